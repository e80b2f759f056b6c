import Foundation
import GRDB
import Testing

/// The store's disk filling up (issue 12, defect 10): intake pauses with 507 and resumes by itself;
/// nothing acknowledged is lost and the coordinator keeps serving reads and agents. Runs on a small
/// tmpfs of its own, so it needs root (as CI and the test script have); elsewhere it says so and skips.
@Suite("A full disk", .serialized)
struct DiskFullTests {
    /// A 48 MiB tmpfs mounted for the test, unmounted after.
    final class SmallDisk {
        let path: String
        init?() {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("desk-disk-\(UUID().uuidString)").path
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            guard getuid() == 0, Self.run(["/bin/mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", path]) == 0 else { return nil }
        }
        func unmount() {
            _ = Self.run(["/bin/umount", "-l", path])
            try? FileManager.default.removeItem(atPath: path)
        }
        static func run(_ arguments: [String]) -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = Array(arguments.dropFirst())
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            guard (try? process.run()) != nil else { return -1 }
            process.waitUntilExit()
            return process.terminationStatus
        }
        /// Fills the disk with a ballast file until about `leaving` bytes are free.
        func fill(leaving: Int64) throws {
            var stats = statvfs()
            guard statvfs(path, &stats) == 0 else { throw E2EError("statvfs") }
            let free = Int64(stats.f_bavail) * Int64(stats.f_frsize)
            let ballast = max(0, free - leaving)
            guard FileManager.default.createFile(atPath: path + "/ballast", contents: nil),
                  let handle = FileHandle(forWritingAtPath: path + "/ballast") else { throw E2EError("ballast") }
            let chunk = Data(count: 1 << 20)
            var written: Int64 = 0
            while written + Int64(chunk.count) <= ballast {
                try handle.write(contentsOf: chunk)
                written += Int64(chunk.count)
            }
            try handle.close()
        }
        func emptyBallast() throws { try FileManager.default.removeItem(atPath: path + "/ballast") }
    }

    @Test("below the disk reserve intake answers 507 naming the reason, reads and agents go on, and intake resumes when space returns")
    func intakePausesAndResumes() async throws {
        guard let disk = SmallDisk() else {
            print("DiskFullTests: skipped: mounting a tmpfs needs root")
            return
        }
        defer { disk.unmount() }
        let cluster = try await TestCluster(coordinatorArguments: ["--disk-reserve-mb", "16"], directory: disk.path + "/data")
        defer { cluster.shutdown() }
        try cluster.startAgent("worker", skills: ["billing"], capacity: 4)
        var accepted: [Int] = []
        for n in 0..<20 {
            let (status, ticket) = await cluster.create(["subject": "before \(n)", "body": "b", "requester": "a@b.co", "category": "billing"])
            #expect(status == 201)
            if let id = ticket["id"] as? Int { accepted.append(id) }
        }
        try disk.fill(leaving: 8 << 20)
        try await eventually(10, "intake refused with 507") {
            await cluster.create(["subject": "during", "body": "b", "requester": "a@b.co"]).status == 507
        }
        let (status, refusal) = try await cluster.request("POST", "/api/v1/tickets",
                                                         body: Data(#"{"subject":"s","body":"b","requester":"a@b.co"}"#.utf8))
        #expect(status == 507)
        #expect((refusal["error"] as? String)?.contains("reserve") == true)
        #expect(try await cluster.request("GET", "/api/v1/tickets/\(accepted[0])").status == 200, "reads go on")
        #expect(try await cluster.request("GET", "/healthz").status == 200)
        // Some of the probing posts were accepted before the guard's next reading: every accepted one is worked.
        try await eventually(20, "every accepted ticket worked to the end while intake is paused") {
            try cluster.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets WHERE status != 'resolved'") } == 0
        }

        try disk.emptyBallast()
        try await eventually(10, "intake resumed") {
            await cluster.create(["subject": "after", "body": "b", "requester": "a@b.co", "category": "billing"]).status == 201
        }
        let stored = try cluster.read { try Int.fetchAll($0, sql: "SELECT id FROM tickets WHERE subject LIKE 'before %' ORDER BY id") }
        #expect(stored == accepted, "every acknowledged ticket is there")
    }
}
