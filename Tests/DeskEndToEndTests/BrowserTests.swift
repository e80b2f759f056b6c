import Foundation
import Testing

/// The web app in a real browser: `Tests/Browser/*.py` drive Debian's Chromium through chromedriver with
/// Selenium (installed by `ops/scripts/install-test-deps.sh`), against a real coordinator. One at a time:
/// three Chromiums beside the rest of a parallel run starved other tests of the two cores.
@Suite(.serialized) struct BrowserTests {
    @Test func staffSignInAndOutAndACustomersOneTimeLinkInChromium() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let person = try JSONSerialization.data(withJSONObject: ["name": "lena", "role": "lead", "email": "lena@example.com",
                                                                 "password": "lena's long password"])
        #expect(try await cluster.request("POST", "/api/v1/users", body: person).status == 201)
        let ticket = await cluster.create(["subject": "Printer on fire", "body": "It smokes.", "requester": "cu@example.com"])
        #expect(ticket.status == 201)
        let run = try await runProcess("/usr/bin/env", ["python3", repositoryFile("Tests/Browser/sign_in.py"), cluster.http,
                                                        cluster.adminToken, "lena", "lena's long password", "cu@example.com",
                                                        "Printer on fire"], timeout: 120)
        #expect(run.status == 0 && run.output.contains("browser: all steps passed"), "\(run.output.joined(separator: "\n"))")
    }

    /// Issue 15's scenarios 2 to 5: a staff member's workspace, a customer's ticket page and a lead's
    /// dashboard, live, in three browsers; the web desks are agent sessions on the coordinator's agent port.
    @Test func workspacePortalAndDashboardLiveInChromium() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        for (name, role) in [("sam", "agent"), ("lena", "lead")] {
            let person = try JSONSerialization.data(withJSONObject: ["name": name, "role": role, "email": "\(name)@example.com",
                                                                     "password": "\(name)'s long password",
                                                                     "skills": ["network", "account", "billing", "hardware"]])
            #expect(try await cluster.request("POST", "/api/v1/users", body: person).status == 201)
        }
        let macro = try JSONSerialization.data(withJSONObject: [
            "name": "vpn-fix", "description": "the VPN client update",
            "reply": "Hello {{requester.name}}, please update the VPN client to 5.2: the hourly drops stop with it.",
            "actions": ["status": "pending_confirmation"]])
        #expect(try await cluster.request("POST", "/api/v1/macros", body: macro).status == 201)
        let article = try JSONSerialization.data(withJSONObject: [
            "file": "vpn-drops.md", "title": "The VPN disconnects every hour", "category": "network",
            "body": "## Problem\nThe tunnel drops on the hour.\n\n## Solution\n1. Update the client to **5.2**\n2. Sign in again"])
        #expect(try await cluster.request("POST", "/api/v1/kb/articles", body: article).status == 201)
        // Screenshots of each page: DESK_TEST_OUTPUT when set, else under .build (not committed).
        var environment = ProcessInfo.processInfo.environment
        environment["DESK_SCREENSHOTS"] = (environment["DESK_TEST_OUTPUT"].map { $0 + "/browser-workspace" })
            ?? repositoryFile(".build/test-output/browser-workspace")
        let run = try await runProcess("/usr/bin/env", ["python3", repositoryFile("Tests/Browser/workspace.py"), cluster.http, cluster.adminToken,
                                                        "sam", "sam's long password", "lena", "lena's long password", "cu@example.com",
                                                        "vpn-fix"], timeout: 240, environment: environment)
        #expect(run.status == 0 && run.output.contains("browser: all steps passed"), "\(run.output.joined(separator: "\n"))")
    }

    @Test func anAdminAddsAPersonMakesAndRevokesATokenAndEditsAMacroInChromium() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let person = try JSONSerialization.data(withJSONObject: ["name": "ada", "role": "admin", "email": "ada@example.com",
                                                                 "password": "ada's long password"])
        #expect(try await cluster.request("POST", "/api/v1/users", body: person).status == 201)
        // Screenshots of each page: DESK_TEST_OUTPUT when set, else under .build (not committed).
        let output = (ProcessInfo.processInfo.environment["DESK_TEST_OUTPUT"].map { $0 + "/browser-admin" })
            ?? repositoryFile(".build/test-output/browser-admin")
        let run = try await runProcess("/usr/bin/env", ["python3", repositoryFile("Tests/Browser/admin.py"), cluster.http, cluster.adminToken,
                                                        "ada", "ada's long password", output], timeout: 180)
        #expect(run.status == 0 && run.output.contains("browser: all steps passed"), "\(run.output.joined(separator: "\n"))")
    }
}

/// Runs a program to its end (or kills it after `timeout` seconds): its status and output lines.
func runProcess(_ executable: String, _ arguments: [String], timeout: Double,
                environment: [String: String]? = nil) async throws -> (status: Int32, output: [String]) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("desk-proc-\(UUID().uuidString).out").path
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardOutput = file
    process.standardError = file
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    try await eventually(timeout + 1, "\(arguments.first ?? executable) to finish") {
        if Date() > deadline, process.isRunning { process.terminate() }
        return !process.isRunning
    }
    try file.close()
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return (process.terminationStatus, text.split(separator: "\n").map(String.init))
}
