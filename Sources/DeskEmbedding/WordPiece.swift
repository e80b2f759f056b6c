/// WordPiece: cuts a word into the longest vocabulary pieces from the left, continuations prefixed `##`.
///
/// A word longer than `maxCharacters` Unicode scalars, or one with a part no piece matches, is one `[UNK]`.
/// Cost: O(n²) vocabulary look-ups for a word of n scalars, n ≤ 100.
struct WordPiece: Sendable {
    let vocabulary: Vocabulary
    let unknown: Int32
    let maxCharacters: Int

    /// Appends the ids of `word`'s pieces to `ids`.
    func append(_ word: [Unicode.Scalar], to ids: inout [Int32]) {
        guard word.count <= maxCharacters else {
            ids.append(unknown)
            return
        }
        var bytes: [UInt8] = []
        var boundaries = [0]  // byte offset of each scalar, and of the end
        boundaries.reserveCapacity(word.count + 1)
        for scalar in word {
            UTF8.encode(scalar) { bytes.append($0) }
            boundaries.append(bytes.count)
        }
        let first = ids.count
        var start = 0
        var key: [UInt8] = []
        while start < word.count {
            var end = word.count
            var piece: Int32?
            while end > start {
                key.removeAll(keepingCapacity: true)
                if start > 0 { key.append(contentsOf: [0x23, 0x23]) }  // "##"
                key.append(contentsOf: bytes[boundaries[start]..<boundaries[end]])
                if let id = vocabulary.id(bytes: key) {
                    piece = id
                    break
                }
                end -= 1
            }
            guard let piece else {
                ids.removeSubrange(first...)
                ids.append(unknown)
                return
            }
            ids.append(piece)
            start = end
        }
    }
}
