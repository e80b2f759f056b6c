import DeskModel
@testable import DeskStore
import Foundation
import GRDB
import Testing

/// The knowledge base's keyword search on a real SQLite file: FTS5 with BM25 (title over body), Porter
/// stemming, audience and status filters, and customer text that is never FTS5 syntax.
@Suite("knowledge search") struct KnowledgeSearchTests {
    static func store() throws -> (TicketStore, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-kb-\(UUID().uuidString)").path
        return (try TicketStore(directory: directory), directory)
    }

    static let articles = [
        KnowledgeArticle(file: "vpn.md", title: "The VPN disconnects every hour", body: "Update the client to 5.2; older clients drop the tunnel when the key rotates.",
                         category: "network", tags: ["vpn"]),
        KnowledgeArticle(file: "password.md", title: "Resetting a forgotten password", body: "Use the sign-in page's link; the mail comes within a minute. Check the spam folder.",
                         category: "account", tags: ["password", "sign-in"]),
        KnowledgeArticle(file: "printer.md", title: "Printer jams on A3 paper", body: "The VPN is not involved: clean the rollers and use the bypass tray.",
                         category: "hardware"),
        KnowledgeArticle(file: "internal.md", title: "Escalating VPN outages to the network team", body: "Page the on-call engineer.",
                         category: "network", audience: "internal"),
        KnowledgeArticle(file: "draft.md", title: "VPN on Linux", body: "Work in progress.", category: "network", status: "draft"),
    ]

    static func seeded() async throws -> (TicketStore, String) {
        let (store, directory) = try store()
        try await store.writer.write { db in for article in articles { _ = try db.saveArticle(article, at: 1) } }
        return (store, directory)
    }

    @Test func titleOutranksBodyAndStemmingMatchesOtherForms() async throws {
        let (store, directory) = try await Self.seeded()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var search = KnowledgeSearch(text: "vpn disconnecting")
        let hits = try await store.pool.read { [search] db in try db.searchArticles(search) }
        #expect(hits.map(\.article.file) == ["vpn.md", "printer.md"], "title match first, then the body's; no internal or draft article")
        #expect(hits.first?.snippet.contains("<mark>") == true || hits.first?.article.title.contains("VPN") == true)
        search.audiences = ["public", "internal"]
        let staff = try await store.pool.read { [search] db in try db.searchArticles(search) }
        #expect(staff.map(\.article.file).contains("internal.md") && !staff.map(\.article.file).contains("draft.md"))
        let forgot = try await store.pool.read { db in try db.searchArticles(KnowledgeSearch(text: "forgetting passwords")) }
        #expect(forgot.first?.article.file == "password.md", "porter: passwords → password")
        var filtered = KnowledgeSearch(text: "vpn")
        filtered.category = "hardware"
        let byCategory = try await store.pool.read { [filtered] db in try db.searchArticles(filtered) }.map(\.article.file)
        #expect(byCategory == ["printer.md"])
        filtered = KnowledgeSearch(text: "password")
        filtered.tag = "sign-in"
        let byTag = try await store.pool.read { [filtered] db in try db.searchArticles(filtered) }.map(\.article.file)
        #expect(byTag == ["password.md"])
        await store.close()
    }

    @Test func snippetsAreEscapedWithMarks() async throws {
        let (store, directory) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let markup = KnowledgeArticle(file: "x.md", title: "Script tags", body: "Never paste <script>alert(1)</script> into the console & press enter.")
        _ = try await store.writer.write { db in try db.saveArticle(markup, at: 1) }
        let hit = try await store.pool.read { db in try db.searchArticles(KnowledgeSearch(text: "console")) }.first
        let snippet = hit?.snippet ?? "no hit"
        #expect(snippet.contains("&lt;script&gt;") && snippet.contains("<mark>console</mark>") && snippet.contains("&amp;"), "\(snippet)")
        await store.close()
    }

    @Test func savingTheSameFileMakesVersions() async throws {
        let (store, directory) = try await Self.seeded()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var changed = Self.articles[0]
        changed.body = "Update the client to 5.3."
        let (again, second) = try await store.writer.write { [changed] db in
            (try db.saveArticle(Self.articles[0], at: 2), try db.saveArticle(changed, at: 3))
        }
        #expect(!again.created && !again.changed && again.article.version == 1)
        #expect(!second.created && second.changed && second.article.version == 2)
        let old = try await store.pool.read { db in try String.fetchOne(db, sql: "SELECT body FROM kb_article_versions WHERE version = 1") }
        #expect(old == Self.articles[0].body)
        let found = try await store.pool.read { db in try db.searchArticles(KnowledgeSearch(text: "5.3")) }
        #expect(found.map(\.article.file) == ["vpn.md"], "the index follows the new version")
        let gone = try await store.pool.read { db in try db.searchArticles(KnowledgeSearch(text: "rotates")) }
        #expect(gone.isEmpty, "and forgets the old one")
        await store.close()
    }

    /// Customer text is never FTS5 syntax: each of these gives results or an empty list, never an error.
    static let hostile: [String] = [
        "\"", "\"\"", "\"vpn", "vpn\"", "'", "''", "*", "vpn*", "*vpn", "^vpn", "vpn^", "NEAR", "NEAR(vpn password)", "NEAR(vpn", "vpn NEAR/2 password",
        "AND", "OR", "NOT", "vpn AND", "AND vpn", "vpn OR OR password", "NOT vpn", "vpn NOT", "(", ")", "((vpn", "vpn))", "(vpn OR", "title:vpn",
        "body:", ":", "-vpn", "+vpn", "vpn -password", "{title body}: vpn", "{", "}", "[vpn]", "\\", "\\\"", "%", "_", "%vpn%", "vpn; DROP TABLE kb_articles;--",
        "' OR 1=1 --", "\u{0}", "vpn\u{0}password", "\u{FEFF}vpn", "vpn\u{200B}password", "🙂 vpn 🙂", "VPN ÜBERALL straße", "ｖｐｎ", "日本語のVPN",
        "مرحبا vpn", String(repeating: "vpn ", count: 2000), String(repeating: "a", count: 100_000), String(repeating: "(", count: 500),
        "\n\t\r", "", " ", "ørsted", "e\u{301}", "NEAR(\"a\" \"b\", 3)", "\"vpn\" AND \"password\"", "vpn OR", "OR vpn", "a:b:c", "@#$%^&*()",
    ]

    @Test func hostileTextNeverErrs() async throws {
        let (store, directory) = try await Self.seeded()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(Self.hostile.count >= 50)
        for text in Self.hostile {
            do {
                _ = try await store.pool.read { db in try db.searchArticles(KnowledgeSearch(text: text)) }
            } catch {
                Issue.record("\(text.prefix(40).debugDescription): \(error)")
            }
        }
        let injected = try await store.pool.read { db in try db.searchArticles(KnowledgeSearch(text: "vpn; DROP TABLE kb_articles;--")) }
        #expect(injected.first?.article.file == "vpn.md")
        let count = try await store.pool.read { db in try db.articles().count }
        #expect(count == Self.articles.count, "the table is still there")
        await store.close()
    }

    @Test("common words are left out of the query unless nothing else is left; snippets drop Markdown's marks, titles keep theirs")
    func commonWordsAndPlainSnippets() {
        #expect(KnowledgeSearch.ftsQuery("How do I reset my password?") == "\"reset\" OR \"password\"")
        #expect(KnowledgeSearch.ftsQuery("to be or not to be") == "\"to\" OR \"be\" OR \"or\" OR \"not\" OR \"to\" OR \"be\"")
        #expect(Database.markedSnippet("## Solution \u{E000}Update\u{E001} to **5.2**\n`now`", markdown: true) == " Solution <mark>Update</mark> to 5.2 now")
        #expect(Database.markedSnippet("C# <b>") == "C# &lt;b&gt;")
    }
}
