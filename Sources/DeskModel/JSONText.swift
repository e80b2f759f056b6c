/// Minimal, exact JSON text for the few places the hot path writes JSON (tag lists, event details),
/// where Foundation's `JSONEncoder` costs more than the database insert it feeds.
public enum JSONText {
    /// `value` as a JSON string literal, quotes included, with every character JSON requires escaped.
    public static func string(_ value: String) -> String {
        // Fast path: most text needs no escaping at all.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + value + "\""
        }
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }

    /// A JSON array of strings.
    public static func array(_ values: [String]) -> String {
        "[" + values.map(string).joined(separator: ",") + "]"
    }

    /// A flat JSON object of string values, keys in the given order.
    public static func object(_ pairs: KeyValuePairs<String, String>) -> String {
        "{" + pairs.map { string($0.key) + ":" + string($0.value) }.joined(separator: ",") + "}"
    }

    /// A dictionary of strings as a JSON object, keys sorted (the same text for the same contents).
    public static func object(_ dictionary: [String: String]) -> String {
        "{" + dictionary.keys.sorted().map { string($0) + ":" + string(dictionary[$0]!) }.joined(separator: ",") + "}"
    }
}
