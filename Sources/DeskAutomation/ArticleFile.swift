import DeskModel
import Foundation

/// A knowledge-base article as a Markdown file with YAML front matter, so a team can keep its articles in
/// git (`desk kb import DIR`, `desk kb export DIR`):
///
/// ```markdown
/// ---
/// title: The VPN drops every hour
/// category: network
/// tags: [vpn, client]
/// audience: public        # or internal (staff only)
/// status: published       # or draft, archived
/// ---
/// ## Problem
/// …
/// ```
///
/// `title` is required; unknown keys are refused with the file and line.
public struct ArticleFile: Sendable, Equatable {
    public var title: String
    public var body: String
    public var category: String
    public var tags: [String]
    public var audience: String
    public var status: String

    public init(title: String, body: String, category: String = "", tags: [String] = [], audience: String = "public",
                status: String = "published") {
        self.title = title
        self.body = body
        self.category = category
        self.tags = tags
        self.audience = audience
        self.status = status
    }

    struct FrontMatter: Decodable {
        var title: String?
        var category: String?
        var tags: [String]?
        var audience: String?
        var status: String?
    }

    /// The standard structure of an article, for a new one.
    public static let template = """
        ## Problem
        What the customer sees: the symptoms, the error message in their words.

        ## Diagnosis
        How to tell this problem from others like it.

        ## Solution
        The steps, one at a time.

        ## Prevention
        How to keep it from happening again.
        """

    /// Parses a file's text; errors name the file (and the line, for the front matter).
    public static func parse(_ text: String, file: String) throws(FileError) -> ArticleFile {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        guard normalized.hasPrefix("---\n") else {
            throw FileError(file: file, line: 1, "an article starts with front matter: a line '---', 'title: …', and '---'")
        }
        let rest = normalized.dropFirst(4)
        guard let end = rest.range(of: "\n---\n") ?? (rest.hasSuffix("\n---") ? rest.range(of: "\n---", options: .backwards) : nil) else {
            throw FileError(file: file, line: 1, "the front matter has no closing '---' line")
        }
        let yaml = String(rest[rest.startIndex..<end.lowerBound])
        let body = String(rest[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        let front: FrontMatter
        do {
            front = try YAMLSource(file: file).decodeStrictly(FrontMatter.self, from: yaml.isEmpty ? "{}" : yaml)
        } catch {
            // The front matter starts on the file's second line.
            throw FileError(file: file, line: error.line.map { $0 + 1 }, error.message)
        }
        let title = (front.title ?? "").trimmingCharacters(in: .whitespaces)
        guard !title.isEmpty, title.count <= 200 else { throw FileError(file: file, line: 2, "title is required (1 to 200 characters)") }
        guard !body.isEmpty else { throw FileError(file: file, line: nil, "the article has no body after its front matter") }
        guard body.count <= 200_000 else { throw FileError(file: file, line: nil, "the body is \(body.count) characters; the limit is 200000") }
        let audience = front.audience ?? "public", status = front.status ?? "published"
        guard ["public", "internal"].contains(audience) else { throw FileError(file: file, line: nil, "audience is public or internal, not '\(audience)'") }
        guard ["draft", "published", "archived"].contains(status) else {
            throw FileError(file: file, line: nil, "status is draft, published or archived, not '\(status)'")
        }
        let tags = (front.tags ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard tags.count <= 20, tags.allSatisfy({ $0.count <= 40 }), (front.category ?? "").count <= 64 else {
            throw FileError(file: file, line: nil, "at most 20 tags of up to 40 characters, and a category of up to 64")
        }
        return ArticleFile(title: title, body: body, category: front.category ?? "", tags: tags, audience: audience, status: status)
    }

    /// Whether `name` can name an article's file in any folder: 1 to 200 ASCII letters, digits, `.`, `-`
    /// and `_`, not starting with `.` (so never `..`, a hidden file or a path).
    public static func isFileName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200 && name.first != "." && name.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 46 || byte == 45 || byte == 95
        }
    }

    /// The file's text: front matter (title quoted when YAML needs it), a blank line, the body.
    public var text: String {
        func scalar(_ value: String) -> String {
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var out = "---\ntitle: \(scalar(title))\n"
        if !category.isEmpty { out += "category: \(scalar(category))\n" }
        if !tags.isEmpty { out += "tags: [" + tags.map(scalar).joined(separator: ", ") + "]\n" }
        out += "audience: \(audience)\nstatus: \(status)\n---\n\n"
        return out + body + "\n"
    }
}
