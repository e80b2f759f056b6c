import Foundation

/// BERT's text normalisation and pre-tokenisation, as Hugging Face `tokenizers` does it
/// (`BertNormalizer` then `BertPreTokenizer`): the words WordPiece then cuts into pieces.
///
/// Steps, each on Unicode scalars (never grapheme clusters): drop NUL, U+FFFD and control/format/private-use
/// characters (tab, newline and carriage return count as whitespace); turn whitespace into spaces; put
/// spaces around CJK ideographs; when lower-casing, decompose (NFD), drop non-spacing marks (accents), then
/// lower-case; split on whitespace, and make each punctuation character a word of its own.
struct BasicTokenizer: Sendable {
    /// Lower-case and strip accents (uncased models).
    let lowercase: Bool

    /// The words of `text`, in order, as Unicode scalars.
    func words<Text: Collection<Unicode.Scalar>>(_ text: Text) -> [[Unicode.Scalar]] {
        var cleaned = String.UnicodeScalarView()
        var ascii = true
        for scalar in text {
            if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) {
                cleaned.append(" ")
            } else if Self.isCJK(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
                ascii = false
            } else {
                cleaned.append(scalar)
                ascii = ascii && scalar.isASCII
            }
        }
        var normalized: [Unicode.Scalar] = []
        normalized.reserveCapacity(cleaned.count)
        if !lowercase {
            normalized.append(contentsOf: cleaned)
        } else if ascii {
            for scalar in cleaned {
                let value = scalar.value
                normalized.append(value >= 65 && value <= 90 ? Unicode.Scalar(UInt8(value + 32)) : scalar)
            }
        } else {
            // Accents are stripped before lower-casing, as the reference does: İ decomposes to I and a dot,
            // the dot goes, and I becomes i.
            for scalar in String(cleaned).decomposedStringWithCanonicalMapping.unicodeScalars
            where scalar.properties.generalCategory != .nonspacingMark {
                if scalar.isASCII {
                    let value = scalar.value
                    normalized.append(value >= 65 && value <= 90 ? Unicode.Scalar(UInt8(value + 32)) : scalar)
                } else {
                    normalized.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
        }
        var words: [[Unicode.Scalar]] = []
        var word: [Unicode.Scalar] = []
        for scalar in normalized {
            if scalar.properties.isWhitespace {
                if !word.isEmpty { words.append(word); word.removeAll(keepingCapacity: true) }
            } else if Self.isPunctuation(scalar) {
                if !word.isEmpty { words.append(word); word.removeAll(keepingCapacity: true) }
                words.append([scalar])
            } else {
                word.append(scalar)
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    /// Tab, newline and carriage return, and every White_Space character.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// Control (Cc), format (Cf), private-use (Co) and surrogate (Cs) characters, but for tab, newline and
    /// carriage return. Unassigned code points (Cn) are kept, as the reference keeps them (they become [UNK]).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// ASCII punctuation (which includes `$`, `+`, `<`, `=`, `>`, `^`, `` ` ``, `|`, `~`) and Unicode P*.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks as Hugging Face `tokenizers` lists them. Its Extension E range starts
    /// at U+2B920 where Google's BERT says U+2B820; the reference (and so the model in use) has the former.
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
