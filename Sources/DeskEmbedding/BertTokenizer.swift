/// BERT's tokenizer for one text: `[CLS]`, the text's WordPiece ids, `[SEP]`, truncated to `maxTokens`.
///
/// Matches Hugging Face `tokenizers` with the model's `tokenizer.json`, including its treatment of the
/// special tokens' literal spellings: `[CLS]`, `[SEP]`, `[PAD]`, `[UNK]` and `[MASK]` written in the text
/// itself (case-sensitive, before any normalisation) become those tokens, as they do for the reference
/// model. Truncation keeps the first `maxTokens - 2` ids; work stops once they are known, so a very long
/// text costs little more than its first few hundred words.
struct BertTokenizer: Sendable {
    let basic: BasicTokenizer
    let wordPiece: WordPiece
    let maxTokens: Int
    let classifier: Int32
    let separator: Int32
    /// The special tokens' spellings and ids.
    private let specials: [([Unicode.Scalar], Int32)]

    /// A tokenizer over `vocabulary`, which must hold BERT's five special tokens.
    init(vocabulary: Vocabulary, lowercase: Bool, maxTokens: Int) throws {
        var specials: [([Unicode.Scalar], Int32)] = []
        for name in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] {
            guard let id = vocabulary.id(name) else {
                throw EmbeddingError.malformed("vocab.txt", "has no \(name) token")
            }
            specials.append((Array(name.unicodeScalars), id))
        }
        self.specials = specials
        self.classifier = specials[2].1
        self.separator = specials[3].1
        self.basic = BasicTokenizer(lowercase: lowercase)
        self.wordPiece = WordPiece(vocabulary: vocabulary, unknown: specials[1].1, maxCharacters: 100)
        self.maxTokens = maxTokens
    }

    /// The token ids of `text`, `[CLS]` first and `[SEP]` last, at most `maxTokens` of them.
    func encode(_ text: String) -> [Int32] {
        let scalars = Array(text.unicodeScalars)
        let limit = maxTokens - 2
        var ids: [Int32] = [classifier]
        ids.reserveCapacity(min(maxTokens, scalars.count + 2))
        var segmentStart = 0
        var position = 0
        func flush(upTo end: Int) {
            guard segmentStart < end, ids.count <= limit else { return }
            for word in basic.words(scalars[segmentStart..<end]) {
                wordPiece.append(word, to: &ids)
                if ids.count > limit { break }
            }
        }
        while position < scalars.count, ids.count <= limit {
            if scalars[position] == "[", let (length, id) = special(at: position, in: scalars) {
                flush(upTo: position)
                if ids.count <= limit { ids.append(id) }
                position += length
                segmentStart = position
            } else {
                position += 1
            }
        }
        flush(upTo: scalars.count)
        if ids.count > limit + 1 { ids.removeSubrange((limit + 1)...) }
        ids.append(separator)
        return ids
    }

    /// The special token spelled at `position`, if any: its length in scalars and its id.
    private func special(at position: Int, in scalars: [Unicode.Scalar]) -> (Int, Int32)? {
        for (spelling, id) in specials where position + spelling.count <= scalars.count {
            if scalars[position..<position + spelling.count].elementsEqual(spelling) { return (spelling.count, id) }
        }
        return nil
    }
}
