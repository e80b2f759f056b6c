import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The small pages a sign-in link opens: self-contained HTML (no scripts, no external resources), never
/// cached, never framed, sending no referrer (the address holds the link's secret).
enum SignInPage {
    /// The page for a usable link: one button that posts back to the same address (the form has no
    /// `action`, so the secret is not repeated in the page).
    static func confirm() -> Response {
        page(.ok, title: "Sign in", content: """
            <h1>Sign in to the support desk</h1>
            <p>This link signs you in once. Press the button to continue.</p>
            <form method="post"><button type="submit">Sign in</button></form>
            """)
    }

    /// The page for a link that cannot be used, saying why (`410`).
    static func refusal(_ problem: String) -> Response {
        page(.gone, title: "Sign-in link not valid", content: """
            <h1>This sign-in link cannot be used</h1>
            <p>\(escape(problem.prefix(1).uppercased() + problem.dropFirst())).</p>
            """)
    }

    static func page(_ status: HTTPResponse.Status, title: String, content: String) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer"><title>\(escape(title))</title>
            <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
            button{font-size:1.1rem;padding:.6rem 1.4rem;cursor:pointer}</style></head>
            <body>\(content)</body></html>
            """
        return Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
            .referrerPolicy: "no-referrer",
            .xFrameOptions: "DENY",
        ], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension HTTPField.Name {
    // Constant, valid field names: the initializer cannot fail on them.
    static var referrerPolicy: Self { Self("Referrer-Policy")! }
    static var xFrameOptions: Self { Self("X-Frame-Options")! }
    /// The session's CSRF token, sent with state-changing requests made with the session cookie.
    static var xCSRFToken: Self { Self("X-CSRF-Token")! }
}
