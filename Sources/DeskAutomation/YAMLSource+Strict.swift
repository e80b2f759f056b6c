import DeskModel
import Foundation
import Yams

extension YAMLSource {
    /// Decodes a whole file as `T`, refusing keys `T` does not know; every problem names the line:
    /// `desk.yaml:3: unknown field 'htp'`, `desk.yaml:7: heartbeat_ms: expected Int`.
    public func decodeStrictly<T: Decodable>(_ type: T.Type, from text: String) throws(FileError) -> T {
        // A file of comments only is an empty mapping: every default.
        let root = text.split(whereSeparator: \.isNewline).allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty
                                                                         || $0.trimmingCharacters(in: .whitespaces).hasPrefix("#") })
            ? Node.mapping([:]) : try self.root(text)
        do {
            return try YAMLDecoder().decode(Strict<T>.self, from: root).value
        } catch let error as UnknownFieldError {
            let key = Self.keyNode(at: error.path, in: root)
            throw FileError(file: file, line: key?.mark?.line, "unknown field '\(error.field)'")
        } catch let error as DecodingError {
            let (path, message) = Self.describe(error)
            let node = Self.valueNode(at: path, in: root)
            throw FileError(file: file, line: node?.mark?.line, path.isEmpty ? message : "\(path.joined(separator: ".")): \(message)")
        } catch {
            throw FileError(file: file, line: nil, "\(error)")
        }
    }

    static func describe(_ error: DecodingError) -> ([String], String) {
        func path(_ context: DecodingError.Context) -> [String] {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
        }
        switch error {
        case .typeMismatch(let type, let context): return (path(context), "expected \(type)")
        case .valueNotFound(_, let context): return (path(context), "missing value")
        case .keyNotFound(let key, let context): return (path(context), "missing '\(key.stringValue)'")
        case .dataCorrupted(let context): return (path(context), context.debugDescription)
        @unknown default: return ([], "\(error)")
        }
    }

    /// The node a path of keys and list positions leads to (as far as it goes).
    static func valueNode(at path: [String], in root: Node) -> Node? {
        var node = root
        for component in path {
            if let mapping = node.mapping, let next = mapping.first(where: { $0.key.scalar?.string == component })?.value {
                node = next
            } else if let sequence = node.sequence, let index = Int(component), index < sequence.count {
                node = sequence[index]
            } else {
                return node
            }
        }
        return node
    }

    /// The key node that ends `path` (for an unknown key: the key itself, so the line is the key's).
    static func keyNode(at path: [String], in root: Node) -> Node? {
        guard let last = path.last, let parent = valueNode(at: Array(path.dropLast()), in: root) else { return nil }
        return parent.mapping?.first(where: { $0.key.scalar?.string == last })?.key ?? parent
    }
}
