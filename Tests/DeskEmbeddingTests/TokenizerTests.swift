import Testing
@testable import DeskEmbedding

@Suite("WordPiece tokenizer: BERT uncased, on a small vocabulary")
struct TokenizerTests {
    static let tokens = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "aff", "hello", "world", ",", "!", "$",
        "a", "##a", "cafe", "你", "好", "i", "##stanbul", "[", "]", "sep", "가", "ᄀ", "##ᅡ", "x",
    ]

    func tokenizer(maxTokens: Int = 512, tokens: [String] = TokenizerTests.tokens) throws -> BertTokenizer {
        try BertTokenizer(vocabulary: Vocabulary(text: tokens.joined(separator: "\n") + "\n"), lowercase: true, maxTokens: maxTokens)
    }

    /// The tokens `text` encodes to, [CLS] and [SEP] left out.
    func pieces(_ text: String, maxTokens: Int = 512, tokens: [String] = TokenizerTests.tokens) throws -> [String] {
        let ids = try tokenizer(maxTokens: maxTokens, tokens: tokens).encode(text)
        #expect(ids.first == 2 && ids.last == 3, "every text is framed by [CLS] and [SEP]")
        return ids.dropFirst().dropLast().map { tokens[Int($0)] }
    }

    @Test("an empty or blank text is [CLS] [SEP]")
    func empty() throws {
        #expect(try tokenizer().encode("") == [2, 3])
        #expect(try tokenizer().encode(" \t\n\u{3000}") == [2, 3])
    }

    @Test("pieces are matched longest first from the left, continuations carry ##")
    func greedy() throws {
        #expect(try pieces("unaffable") == ["un", "##aff", "##able"])
        #expect(try pieces("aff") == ["aff"])
    }

    @Test("a word with a part no piece matches is one [UNK], not pieces and [UNK]")
    func unmatchedWord() throws {
        #expect(try pieces("unaffxble hello") == ["[UNK]", "hello"])
    }

    @Test("a word of 100 characters is cut into pieces; one of 101 is [UNK]")
    func longWords() throws {
        #expect(try pieces(String(repeating: "a", count: 100)) == ["a"] + Array(repeating: "##a", count: 99))
        #expect(try pieces(String(repeating: "a", count: 101)) == ["[UNK]"])
    }

    @Test("upper case and accents are folded: Café is cafe, İstanbul is istanbul")
    func caseAndAccents() throws {
        #expect(try pieces("Café CAFE cafe\u{301}") == ["cafe", "cafe", "cafe"])
        #expect(try pieces("İSTANBUL") == ["i", "##stanbul"])
    }

    @Test("punctuation, ASCII symbols included, is split off as words of its own")
    func punctuation() throws {
        #expect(try pieces("hello,world!$a") == ["hello", ",", "world", "!", "$", "a"])
    }

    @Test("control and format characters, NUL and U+FFFD vanish without splitting; odd whitespace splits")
    func cleaning() throws {
        #expect(try pieces("hel\u{0}lo\u{200B} wor\u{FFFD}ld\u{7}") == ["hello", "world"])
        #expect(try pieces("hello\u{3000}world\u{A0}a\r\nx") == ["hello", "world", "a", "x"])
    }

    @Test("CJK ideographs are words of their own even without spaces")
    func chinese() throws {
        #expect(try pieces("你好hello") == ["你", "好", "hello"])
    }

    @Test("a special token's spelling in the text is that token; another spelling is plain text")
    func specialTokens() throws {
        #expect(try pieces("hello [SEP] world[CLS]x") == ["hello", "[SEP]", "world", "[CLS]", "x"])
        #expect(try pieces("[sep]") == ["[", "sep", "]"])
    }

    @Test("truncation keeps the first maxTokens - 2 ids between [CLS] and [SEP]")
    func truncation() throws {
        #expect(try pieces("hello world hello world", maxTokens: 5) == ["hello", "world", "hello"])
        #expect(try pieces("unaffable world", maxTokens: 4) == ["un", "##aff"])
        #expect(try tokenizer(maxTokens: 5).encode(String(repeating: "hello ", count: 5_000)).count == 5)
    }

    @Test("Hangul is matched as its decomposed jamo, byte for byte, never by canonical equivalence")
    func hangul() throws {
        #expect(try pieces("가") == ["ᄀ", "##ᅡ"])
        let withoutJamo = Self.tokens.filter { $0 != "ᄀ" && $0 != "##ᅡ" }
        #expect(try pieces("가", tokens: withoutJamo) == ["[UNK]"], "the precomposed entry is not the decomposed text")
    }

    @Test("a vocabulary without the special tokens is refused")
    func missingSpecials() {
        #expect(throws: EmbeddingError.self) {
            try BertTokenizer(vocabulary: Vocabulary(text: "hello\nworld\n"), lowercase: true, maxTokens: 8)
        }
    }
}
