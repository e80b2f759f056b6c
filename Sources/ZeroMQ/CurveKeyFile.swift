import Foundation

/// CURVE keys kept in a small text file readable by its owner only: one `name = Z85` per line, `#`
/// comments. Used for the coordinator's key pair and for an agent's credentials.
public enum CurveKeyFile {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The named keys of the file at `path`; a line that is not `name = value` names its number.
    public static func read(_ path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Problem(description: "\(path): cannot read the key file")
        }
        var entries: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw Problem(description: "\(path):\(number + 1): expected 'name = value'")
            }
            entries[parts[0]] = parts[1]
        }
        return entries
    }

    /// Writes `entries` (in order) under a comment, creating the file with mode 0600.
    public static func write(_ path: String, comment: String, _ entries: [(String, String)]) throws {
        let text = Self.text(comment: comment, entries)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw Problem(description: "\(path): cannot write the key file")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// The file's text: `entries` (in order) under a comment.
    public static func text(comment: String, _ entries: [(String, String)]) -> String {
        comment.split(separator: "\n").map { "# \($0)\n" }.joined() + entries.map { "\($0.0) = \($0.1)\n" }.joined()
    }

    /// The key pair in `path` (`public-key`, `secret-key`), made and written there when the file is missing.
    public static func pair(at path: String, comment: String) throws -> CurveKeyPair {
        if FileManager.default.fileExists(atPath: path) {
            let entries = try read(path)
            guard let pub = entries["public-key"], let sec = entries["secret-key"], CurveKeyPair.isKey(pub), CurveKeyPair.isKey(sec) else {
                throw Problem(description: "\(path): needs 'public-key' and 'secret-key', each 40 characters of Z85")
            }
            return CurveKeyPair(publicKey: pub, secretKey: sec)
        }
        let pair = try CurveKeyPair.generate()
        try write(path, comment: comment, [("public-key", pair.publicKey), ("secret-key", pair.secretKey)])
        return pair
    }
}
