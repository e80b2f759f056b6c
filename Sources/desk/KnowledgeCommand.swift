import ArgumentParser
import DeskAgent
import DeskAutomation
import Foundation

/// `desk kb`: the knowledge base through the API (a folder of Markdown files with front matter in and
/// out, and search).
struct KnowledgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb",
        abstract: "The knowledge base: import and export a folder of Markdown articles, search.",
        subcommands: [Import.self, Export.self, Search.self, Suggest.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import every *.md file of a folder (front matter: title, and optional category, tags, audience, status).",
            discussion: "An article is known by its file name: importing the folder again updates the articles whose files changed "
                + "(a new version each) and leaves the others as they are. A file that cannot be read is named with its line, and "
                + "nothing is imported.")
        @OptionGroup var connection: TicketCommand.Connection
        @Argument(help: "The folder.") var directory: String

        func run() async throws {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".md") && !$0.hasPrefix(".") }.sorted()
            if let odd = names.first(where: { !ArticleFile.isFileName($0) }) {
                throw ValidationError("\((directory as NSString).appendingPathComponent(odd)): rename it to letters, digits, '.', '-' and '_' (it is the article's name)")
            }
            var articles: [(String, ArticleFile)] = []
            for name in names {
                let path = (directory as NSString).appendingPathComponent(name)
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("\(path): cannot read the file") }
                do { articles.append((name, try ArticleFile.parse(text, file: path))) } catch { throw ValidationError(error.description) }
            }
            var created = 0, updated = 0, unchanged = 0
            for (name, article) in articles {
                let body = try JSONSerialization.data(withJSONObject: [
                    "file": name, "title": article.title, "body": article.body, "category": article.category, "tags": article.tags,
                    "audience": article.audience, "status": article.status] as [String: Any])
                let reply = try await connection.client.request("POST", "/api/v1/kb/articles", body: body)
                let object = try reply.object()
                if reply.status == 201 { created += 1 } else if object["changed"] as? Bool == true { updated += 1 } else { unchanged += 1 }
            }
            print("imported \(articles.count) articles from \(directory): \(created) new, \(updated) updated, \(unchanged) unchanged")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write every article the token may read to a folder, one Markdown file each.")
        @OptionGroup var connection: TicketCommand.Connection
        @Argument(help: "The folder (made if missing).") var directory: String

        func run() async throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var after: Int64 = 0, written = 0
            while true {
                let page = try await connection.client.request("GET", "/api/v1/kb/articles?after=\(after)&limit=500").object()
                for item in page["articles"] as? [[String: Any]] ?? [] {
                    let id = (item["id"] as? NSNumber)?.int64Value ?? 0
                    // A name from the server is used only if it can only name a file in this folder.
                    let name = (item["file"] as? String).flatMap { ArticleFile.isFileName($0) ? $0 : nil } ?? "article-\(id).md"
                    let file = ArticleFile(title: item["title"] as? String ?? "", body: item["body"] as? String ?? "",
                                           category: item["category"] as? String ?? "", tags: item["tags"] as? [String] ?? [],
                                           audience: item["audience"] as? String ?? "public", status: item["status"] as? String ?? "published")
                    try file.text.write(toFile: (directory as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
                    written += 1
                }
                guard let next = (page["next_cursor"] as? NSNumber)?.int64Value else { break }
                after = next
            }
            print("exported \(written) articles to \(directory)")
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Search the articles: best first, with the file each came from.")
        @OptionGroup var connection: TicketCommand.Connection
        @Argument(help: "The words to look for (any text: it is never read as query syntax).") var text: String
        @Option(help: "At most this many results (1 to 50).") var limit = 5

        func run() async throws {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let query = text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
            let reply = try await connection.client.request("GET", "/api/v1/kb/search?q=\(query)&limit=\(limit)")
            try reply.print(json: connection.json) { object in
                let results = object["results"] as? [[String: Any]] ?? []
                if results.isEmpty { return "no article matches (ranking: \(object["ranking"] ?? "?"))" }
                return results.enumerated().map { index, hit in
                    "\(index + 1). #\(hit["id"] ?? "?") \(hit["title"] ?? "")  [\(hit["file"] as? String ?? "-")]\n   "
                        + (hit["snippet"] as? String ?? "").replacingOccurrences(of: "<mark>", with: "*").replacingOccurrences(of: "</mark>", with: "*")
                }.joined(separator: "\n")
            }
        }
    }

    struct Suggest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The articles that may answer a request before it is sent: at most 3, strong matches only, best first.")
        @OptionGroup var connection: TicketCommand.Connection
        @Option(help: "The request's subject.") var subject: String
        @Option(help: "The request's description.") var body = ""
        @Option(help: "The request's type (GET /api/v1/ticket-types).") var type: String?

        func run() async throws {
            var draft: [String: Any] = ["subject": subject, "body": body]
            if let type { draft["type"] = type }
            let reply = try await connection.client.request("POST", "/api/v1/kb/suggest", body: try JSONSerialization.data(withJSONObject: draft))
            try reply.print(json: connection.json) { object in
                let results = object["suggestions"] as? [[String: Any]] ?? []
                if results.isEmpty { return "no article is a strong enough match (ranking: \(object["ranking"] ?? "?")): send the request" }
                return "ranking: \(object["ranking"] ?? "?"), draft \(object["draft"] ?? "?")\n" + results.enumerated().map { index, hit in
                    "\(index + 1). #\(hit["id"] ?? "?") \(hit["title"] ?? "")  [\(hit["file"] as? String ?? "-")]  \(hit["link"] ?? "")"
                }.joined(separator: "\n")
            }
        }
    }
}
