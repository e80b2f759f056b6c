/// Decodes `Value` and refuses any key that `Value`'s decoding never asked for, at any depth: a typo
/// (`"prio"`, `"resolv"`, `"polices"`) is an error naming the field, never a silently applied default.
///
/// Works with any `Decoder` (JSON bodies, YAML files): the decoder is wrapped in one that records, for
/// every object it opens, the keys present and the keys read. A `Strict` nested inside another (a batch's
/// items) judges its own subtree, so one item's unknown field refuses that item alone.
public struct Strict<Value: Decodable>: Decodable {
    public let value: Value

    public init(from decoder: any Decoder) throws {
        if Value.self is any ChecksOwnKeys.Type {
            value = try Value(from: decoder)
            return
        }
        let log = KeyLog()
        if let parent = decoder as? AuditingDecoder { parent.log.exempt(decoder.codingPath) }
        value = try Value(from: AuditingDecoder(decoder, log: log))
        if let unknown = log.firstUnknown(below: decoder.codingPath) {
            throw UnknownFieldError(path: unknown)
        }
    }
}

/// A type whose `init(from:)` refuses unknown keys itself (with `UnknownFieldError`), at every depth it
/// decodes: `Strict` then decodes it directly, without the audit.
public protocol ChecksOwnKeys: Decodable {}

/// Any key, for reading the keys an object holds.
public struct StrictKey: CodingKey {
    public var stringValue: String
    public var intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue }
    public init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// A key in the input that the type being decoded does not know.
public struct UnknownFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key's path from the document's root: `["actions", "resolv"]`, array positions as numbers.
    public let path: [String]
    public init(path: [String]) { self.path = path }
    /// The path joined by dots: `actions.resolv`.
    public var field: String { path.joined(separator: ".") }
    public var description: String { "unknown field '\(field)'" }
    /// The same, relative to `prefix` components (a batch item's own fields).
    public func dropping(_ prefix: Int) -> UnknownFieldError { UnknownFieldError(path: Array(path.dropFirst(prefix))) }
}

/// One object opened while decoding: its path, the keys it holds and those the decoded type read.
final class OpenedObject: @unchecked Sendable {
    let path: [String]
    let keys: [String]
    var read: Set<String> = []
    init(path: [String], keys: [String]) {
        self.path = path
        self.keys = keys
    }
}

/// The objects opened while decoding. A read is an insert into its object's own set (no lookup by
/// path on the hot path); objects opened more than once at one path are merged only when judged.
final class KeyLog: @unchecked Sendable {
    private var objects: [OpenedObject] = []
    private var exempted: Set<[String]> = []

    func opened(_ path: [String], keys: [String]) -> OpenedObject {
        let object = OpenedObject(path: path, keys: keys)
        objects.append(object)
        return object
    }

    func exempt(_ path: [any CodingKey]) { exempted.insert(path.map(\.component)) }

    /// The first unknown key (in order of the objects' paths, then of their keys) below `root`.
    func firstUnknown(below root: [any CodingKey]) -> [String]? {
        let rootPath = root.map(\.component)
        var merged: [[String]: (keys: [String], read: Set<String>)] = [:]
        for object in objects where object.path.starts(with: rootPath) {
            // Below a nested `Strict` (a prefix longer than the root): that one judged it.
            if !exempted.isEmpty,
               (rootPath.count + 1...max(rootPath.count + 1, object.path.count)).contains(where: { length in
                   length <= object.path.count && exempted.contains(Array(object.path.prefix(length)))
               }) { continue }
            merged[object.path, default: (object.keys, [])].read.formUnion(object.read)
        }
        for path in merged.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let entry = merged[path] else { continue }
            if let key = entry.keys.first(where: { !entry.read.contains($0) }) { return path + [key] }
        }
        return nil
    }
}

extension CodingKey {
    var component: String { intValue.map(String.init) ?? stringValue }
}
