import Foundation

/// One coordinator per data directory: an exclusive `flock` on `DIR/coordinator.lock`, held for the
/// coordinator's life. The kernel drops it when the process ends, however it ends (`kill -9` included),
/// so a stale file never blocks a restart. The file says who holds it (`pid …`, `http …`), which is how
/// a second `desk coordinator` or `desk cluster up` on the same data can say where the first one runs.
final class DataDirectoryLock: @unchecked Sendable {
    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    static func path(in directory: String) -> String { (directory as NSString).appendingPathComponent("coordinator.lock") }

    /// Takes the lock of `directory` (created if missing), or throws naming the coordinator that holds it.
    static func acquire(directory: String) throws -> DataDirectoryLock {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = path(in: directory)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw LockError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Holder(text: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
            close(descriptor)
            throw LockError("a coordinator is already running on data directory \(directory) (\(holder.summary)); stop it first")
        }
        let lock = DataDirectoryLock(path: path, descriptor: descriptor)
        lock.write("pid \(getpid())\n")
        return lock
    }

    /// Adds the HTTP address to the file once the API listens.
    func record(http: String) { write("pid \(getpid())\nhttp \(http)\n") }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = ftruncate(descriptor, 0)
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Who holds the lock of `directory` now, or nil when no coordinator does. Takes nothing: a probe
    /// with a shared lock, released at once.
    static func holder(of directory: String) -> Holder? {
        let path = path(in: directory)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        return Holder(text: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }

    /// What the lock file says about its holder.
    struct Holder {
        var pid: String?
        var http: String?
        init(text: String) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                if parts[0] == "pid" { pid = parts[1] }
                if parts[0] == "http" { http = parts[1] }
            }
        }
        var summary: String {
            [pid.map { "pid \($0)" }, http.map { "API \($0)" }].compactMap { $0 }.joined(separator: ", ")
        }
    }

    /// The lock is held by another process, or its file cannot be used.
    struct LockError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
