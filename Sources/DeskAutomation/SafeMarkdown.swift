import Foundation

/// Markdown to HTML that is safe to put in a page whatever the text holds: everything is escaped first,
/// and only the markup this renderer makes itself comes out as HTML. Headings, paragraphs, bulleted and
/// numbered lists, fenced code blocks, `code`, **bold**, *emphasis* and links to http(s) or mailto
/// addresses; raw HTML in the text is shown as text, and a link to any other scheme (`javascript:`) is
/// shown as text too.
public enum SafeMarkdown {
    public static func html(_ markdown: String) -> String {
        var out: [String] = []
        var paragraph: [String] = []
        var list: (tag: String, items: [String])?
        var code: [String]?

        func flushParagraph() {
            if !paragraph.isEmpty { out.append("<p>" + inline(paragraph.joined(separator: " ")) + "</p>") }
            paragraph = []
        }
        func flushList() {
            if let current = list { out.append("<\(current.tag)>" + current.items.map { "<li>\($0)</li>" }.joined() + "</\(current.tag)>") }
            list = nil
        }

        for rawLine in markdown.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            if code != nil {
                if line.trimmingLeadingSpaces.hasPrefix("```") {
                    out.append("<pre><code>" + code!.map(escape).joined(separator: "\n") + "</code></pre>")
                    code = nil
                } else {
                    code!.append(line)
                }
                continue
            }
            let trimmed = line.trimmingLeadingSpaces
            if trimmed.hasPrefix("```") {
                flushParagraph(); flushList()
                code = []
            } else if trimmed.isEmpty {
                flushParagraph(); flushList()
            } else if let level = headingLevel(trimmed) {
                flushParagraph(); flushList()
                let text = trimmed.drop { $0 == "#" }.drop { $0 == " " }
                let tag = "h\(min(6, level + 1))"  // the page's title is the h1
                out.append("<\(tag)>" + inline(String(text)) + "</\(tag)>")
            } else if let item = bullet(trimmed) {
                flushParagraph()
                if list?.tag != "ul" { flushList(); list = ("ul", []) }
                list!.items.append(inline(item))
            } else if let item = numbered(trimmed) {
                flushParagraph()
                if list?.tag != "ol" { flushList(); list = ("ol", []) }
                list!.items.append(inline(item))
            } else if list != nil, line.hasPrefix("  ") {
                list!.items[list!.items.count - 1] += " " + inline(trimmed)
            } else {
                flushList()
                paragraph.append(trimmed)
            }
        }
        if let code { out.append("<pre><code>" + code.map(escape).joined(separator: "\n") + "</code></pre>") }
        flushParagraph(); flushList()
        return out.joined(separator: "\n")
    }

    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    static func bullet(_ line: String) -> String? {
        for marker in ["- ", "* ", "+ "] where line.hasPrefix(marker) { return String(line.dropFirst(2)) }
        return nil
    }

    static func numbered(_ line: String) -> String? {
        let digits = line.prefix { $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        let rest = line.dropFirst(digits.count)
        guard rest.hasPrefix(". ") || rest.hasPrefix(") ") else { return nil }
        return String(rest.dropFirst(2))
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Inline markup on one block of text: `code` first (its content stays literal), then links, bold, emphasis.
    static func inline(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let tick = rest.firstIndex(of: "`") {
            out += spans(String(rest[..<tick]))
            let after = rest[rest.index(after: tick)...]
            guard let close = after.firstIndex(of: "`") else {
                out += escape(String(rest[tick...]))
                return out
            }
            out += "<code>" + escape(String(after[..<close])) + "</code>"
            rest = after[after.index(after: close)...]
        }
        return out + spans(String(rest))
    }

    /// Links, bold and emphasis in text with no code spans.
    static func spans(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "[") {
            out += emphasis(escape(String(rest[..<open])))
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "]"), after[after.index(after: close)...].hasPrefix("("),
               let end = after[after.index(after: close)...].firstIndex(of: ")") {
                let label = String(after[..<close])
                let target = String(after[after.index(close, offsetBy: 2)..<end]).trimmingSpaces
                if target.hasPrefix("https://") || target.hasPrefix("http://") || target.hasPrefix("mailto:") {
                    out += "<a href=\"\(escape(target))\" rel=\"noopener noreferrer\">" + emphasis(escape(label)) + "</a>"
                } else {
                    out += emphasis(escape("[" + label + "](" + target + ")"))
                }
                rest = after[after.index(after: end)...]
            } else {
                out += "["
                rest = after
            }
        }
        return out + emphasis(escape(String(rest)))
    }

    /// `**bold**` and `*emphasis*` on escaped text (the markers are not escaped characters).
    static func emphasis(_ escaped: String) -> String {
        wrap(wrap(escaped, "**", "strong"), "*", "em")
    }

    static func wrap(_ text: String, _ marker: String, _ tag: String) -> String {
        let parts = text.components(separatedBy: marker)
        guard parts.count >= 3 else { return text }
        var out = parts[0]
        var index = 1
        while index < parts.count {
            if index + 1 < parts.count, !parts[index].isEmpty {
                out += "<\(tag)>" + parts[index] + "</\(tag)>" + parts[index + 1]
                index += 2
            } else {
                out += marker + parts[index]
                index += 1
            }
        }
        return out
    }
}

extension String {
    var trimmingLeadingSpaces: String { String(drop { $0 == " " || $0 == "\t" }) }
    var trimmingSpaces: String { String(trimmingLeadingSpaces.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
}
