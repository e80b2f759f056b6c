/// A WordPiece vocabulary (`vocab.txt`: one token per line, its id the line's index).
///
/// Tokens are keyed by their UTF-8 bytes, never by `String`: Swift compares strings by canonical
/// equivalence, so a String key would match a decomposed Hangul word (NFD makes jamo of it) to a
/// precomposed vocabulary entry, where the reference tokenizer compares bytes and finds nothing.
struct Vocabulary: Sendable {
    private let ids: [[UInt8]: Int32]
    /// Tokens in the file.
    let count: Int

    /// Parses `text`; trailing whitespace of a line is not part of its token (as Hugging Face reads it).
    init(text: String) throws {
        var ids: [[UInt8]: Int32] = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty, lines.count < Int(Int32.max) else {
            throw EmbeddingError.malformed("vocab.txt", "is empty")
        }
        ids.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            var scalars = Substring(line).unicodeScalars
            while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
            ids[Array(String(scalars).utf8)] = Int32(index)
        }
        self.ids = ids
        self.count = lines.count
    }

    /// The id of the token whose UTF-8 bytes are `bytes`.
    func id(bytes: [UInt8]) -> Int32? { ids[bytes] }

    /// The id of `token`, compared byte for byte.
    func id(_ token: String) -> Int32? { ids[Array(token.utf8)] }
}
