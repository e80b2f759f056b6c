import DeskAutomation
import Testing

@Suite("safe markdown") struct SafeMarkdownTests {
    @Test func rendersTheArticleStructure() {
        let html = SafeMarkdown.html("## Problem\nThe VPN **drops** every *hour*.\n\n## Solution\n1. Update the client\n2. Restart\n\n- a `code` span\n- [the guide](https://example.com/vpn)\n\n```\nsudo systemctl restart vpn\n```")
        #expect(html == """
            <h3>Problem</h3>
            <p>The VPN <strong>drops</strong> every <em>hour</em>.</p>
            <h3>Solution</h3>
            <ol><li>Update the client</li><li>Restart</li></ol>
            <ul><li>a <code>code</code> span</li><li><a href="https://example.com/vpn" rel="noopener noreferrer">the guide</a></li></ul>
            <pre><code>sudo systemctl restart vpn</code></pre>
            """)
    }

    @Test func nothingInTheTextBecomesMarkup() {
        let cases = [
            "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))", "[x](data:text/html,<b>)",
            "**<b>**", "`<i>`", "```\n<script>\n```", "# <h1>", "- <li>", "[a](https://x.example/\"onmouseover=alert(1))",
        ]
        for text in cases {
            let html = SafeMarkdown.html(text)
            for tag in ["<script", "<img", "<b>", "<i>", "<h1>", "<li><li>", "javascript:\"", "href=\"javascript", "href=\"data", "\"onmouseover"] {
                #expect(!html.contains(tag), "\(text) → \(html)")
            }
        }
        #expect(SafeMarkdown.html("[click](javascript:alert(1))") == "<p>[click](javascript:alert(1))</p>", "shown as text")
    }
}
