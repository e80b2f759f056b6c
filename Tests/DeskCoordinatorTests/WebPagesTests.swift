@testable import DeskCoordinator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The web pages through the real router and store (the browser test drives them in Chromium).
@Suite("web pages") struct WebPagesTests {
    typealias API = HTTPAPIInProcessTests
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test("anyone's request form: a missing address is named next to its field; a complete one is one ticket, however often it is sent")
    func anonymousRequestForm() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/portal/new", method: .get) { String(buffer: $0.body) }
            #expect(page.contains("id=\"requester\"") && page.contains("name=\"idempotency_key\""))
            try await client.execute(uri: "/portal/new", method: .post, headers: Self.form,
                                     body: ByteBuffer(string: "idempotency_key=k1&requester=&subject=Help&body=It+broke")) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .badRequest && html.contains("id=\"requester-error\"") && html.contains("Requester (an e-mail address) is required."), "\(html)")
                #expect(html.contains("value=\"Help\"") && html.contains("It broke"), "what was typed is kept")
            }
            var numbers: [String] = []
            for _ in 0..<2 {  // a reload of the answer sends the same form again
                try await client.execute(uri: "/portal/new", method: .post, headers: Self.form,
                                         body: ByteBuffer(string: "idempotency_key=k1&requester=pat%40example.com&subject=Help&body=It+broke")) { response in
                    let html = String(buffer: response.body)
                    #expect(response.status == .created, "\(html)")
                    if let range = html.range(of: #"id="ticket-number">#\d+"#, options: .regularExpression) { numbers.append(String(html[range])) }
                }
            }
            #expect(numbers.count == 2 && numbers[0] == numbers[1], "one ticket: \(numbers)")
            try await client.execute(uri: "/api/v1/tickets?requester=pat@example.com", method: .get, headers: admin) { response in
                let tickets = API.json(response.body)["tickets"] as? [[String: Any]] ?? []
                #expect(tickets.count == 1 && tickets.first?["channel"] as? String == "web", "\(tickets)")
            }
            // Markup in what was typed comes back escaped, never as markup.
            try await client.execute(uri: "/portal/new", method: .post, headers: Self.form,
                                     body: ByteBuffer(string: "requester=&subject=%3Cscript%3Ealert(1)%3C%2Fscript%3E&body=x")) { response in
                let html = String(buffer: response.body)
                #expect(!html.contains("<script>alert(1)</script>") && html.contains("&lt;script&gt;"), "\(html)")
            }
        }
    }

    @Test("pages send anyone to sign-in, staff away from the portal, and are not cached or framed")
    func pagesRedirectByWhoIsAsking() async throws {
        let (app, directory, admin) = try await API.application()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await app.test(.router) { client in
            for (uri, headers, location) in [("/", HTTPFields(), "/sign-in"), ("/portal", HTTPFields(), "/sign-in"),
                                             ("/portal", admin, "/"), ("/portal/new", admin, "/")] {
                try await client.execute(uri: uri, method: .get, headers: headers) { response in
                    #expect(response.status == .seeOther && response.headers[.location] == location, "\(uri): \(response.status)")
                }
            }
            // A cookie that is no longer good: the page as for anyone, and the cookie cleared (not a JSON 401).
            try await client.execute(uri: "/portal/new", method: .get, headers: [.cookie: "desk_session=stale"]) { response in
                #expect(response.status == .ok && response.headers[.setCookie]?.contains("Max-Age=0") == true, "\(response.status)")
            }
            try await client.execute(uri: "/sign-in", method: .get) { response in
                #expect(response.status == .ok && response.headers[.cacheControl] == "no-store")
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(String(buffer: response.body).contains("<label for=\"login\">"))
            }
        }
    }
}
