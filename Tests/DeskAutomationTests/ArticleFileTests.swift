import DeskAutomation
import Testing

@Suite("article files") struct ArticleFileTests {
    @Test func parsesFrontMatterAndRoundTrips() throws {
        let text = "---\r\ntitle: \"Colons: fine when quoted\"\r\ncategory: network\r\ntags: [vpn, \"a, b\"]\r\naudience: internal\r\nstatus: draft\r\n---\r\n\r\n## Problem\r\nIt drops.\r\n"
        let article = try ArticleFile.parse(text, file: "a.md")
        #expect(article == ArticleFile(title: "Colons: fine when quoted", body: "## Problem\nIt drops.", category: "network",
                                       tags: ["vpn", "a, b"], audience: "internal", status: "draft"))
        #expect(try ArticleFile.parse(article.text, file: "a.md") == article, "what export writes, import reads back the same")
    }

    @Test func eachProblemIsNamedWithTheFile() {
        func problem(_ text: String) -> String {
            do { _ = try ArticleFile.parse(text, file: "x.md"); return "" } catch { return error.description }
        }
        #expect(problem("no front matter") == "x.md:1: an article starts with front matter: a line '---', 'title: …', and '---'")
        #expect(problem("---\ntitle: a\nbody without a closing line") == "x.md:1: the front matter has no closing '---' line")
        #expect(problem("---\ncategory: x\n---\nbody").hasPrefix("x.md:2: title is required"))
        #expect(problem("---\ntitle: a\n---\n   \n").contains("no body"))
        #expect(problem("---\ntitle: a\naudience: everyone\n---\nbody").contains("audience is public or internal"))
        #expect(problem("---\ntitle: a\nstatus: live\n---\nbody").contains("status is draft, published or archived"))
        #expect(problem("---\ntitle: a\ncolour: red\n---\nbody").hasPrefix("x.md:3: unknown field 'colour'"))
    }

    @Test func fileNamesCanOnlyNameAFileInTheFolder() {
        for good in ["vpn-drops.md", "a_b.c.md", "README.md"] { #expect(ArticleFile.isFileName(good), "\(good)") }
        for bad in ["", "..", ".hidden.md", "../x.md", "a/b.md", "a\\b.md", "a b.md", "ü.md", "x.md\u{0}", String(repeating: "a", count: 201)] {
            #expect(!ArticleFile.isFileName(bad), "\(bad)")
        }
    }
}
