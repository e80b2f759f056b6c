/// Decodes `Value` and refuses any key that `Value`'s decoding never asked for, at any depth: a typo
/// (`"prio"`, `"resolv"`, `"polices"`) is an error naming the field, never a silently applied default.
///
/// Works with any `Decoder` (JSON bodies, YAML files): the decoder is wrapped in one that records, for
/// every object it opens, the keys present and the keys read. A `Strict` nested inside another (a batch's
/// items) judges its own subtree, so one item's unknown field refuses that item alone.
public struct Strict<Value: Decodable>: Decodable {
    public let value: Value

    public init(from decoder: any Decoder) throws {
        let log = KeyLog()
        if let parent = decoder as? AuditingDecoder { parent.log.exempt(decoder.codingPath) }
        value = try Value(from: AuditingDecoder(decoder, log: log))
        if let unknown = log.firstUnknown(below: decoder.codingPath) {
            throw UnknownFieldError(path: unknown)
        }
    }
}

/// A key in the input that the type being decoded does not know.
public struct UnknownFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key's path from the document's root: `["actions", "resolv"]`, array positions as numbers.
    public let path: [String]
    /// The path joined by dots: `actions.resolv`.
    public var field: String { path.joined(separator: ".") }
    public var description: String { "unknown field '\(field)'" }
    /// The same, relative to `prefix` components (a batch item's own fields).
    public func dropping(_ prefix: Int) -> UnknownFieldError { UnknownFieldError(path: Array(path.dropFirst(prefix))) }
}

/// The objects opened while decoding: keys present and keys read, per coding path.
final class KeyLog: @unchecked Sendable {
    private var present: [[String]: [String]] = [:]
    private var read: [[String]: Set<String>] = [:]
    private var exempted: [[String]] = []

    func opened(_ path: [String], keys: [String]) {
        if present[path] == nil { present[path] = keys }
    }

    func read(_ key: String, at path: [String]) { read[path, default: []].insert(key) }

    func exempt(_ path: [any CodingKey]) { exempted.append(path.map(\.component)) }

    /// The first unknown key (in document order of the objects, then of their keys) below `root`.
    func firstUnknown(below root: [any CodingKey]) -> [String]? {
        let rootPath = root.map(\.component)
        for path in present.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard path.starts(with: rootPath) else { continue }
            if exempted.contains(where: { path.starts(with: $0) && $0.count > rootPath.count }) { continue }
            let known = read[path] ?? []
            if let key = present[path]?.first(where: { !known.contains($0) }) {
                return path + [key]
            }
        }
        return nil
    }
}

extension CodingKey {
    var component: String { intValue.map(String.init) ?? stringValue }
}
