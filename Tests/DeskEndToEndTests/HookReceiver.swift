import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A real local HTTP server that records the bodies POSTed to `/hook`, answering each request as its
/// script says (then 200).
final class HookReceiver: @unchecked Sendable {
    /// How the receiver answers one request.
    enum Answer {
        case ok
        /// 500: the sender should retry.
        case fail
        /// Never answers while the receiver runs: an attempt left in flight.
        case hang
    }

    private let lock = NSLock()
    private var bodies: [String] = []
    private var deliveries: [String] = []
    private var script: [Answer]
    private var seen = 0
    private var port: Int?
    private var task: Task<Void, any Error>?
    private var group: ServiceGroup?
    private var stopped = false

    /// Answers the first `failFirst` requests with 500.
    convenience init(failFirst: Int = 0) { self.init(script: Array(repeating: .fail, count: failFirst)) }

    init(script: [Answer]) { self.script = script }

    /// Starts listening on `port` (0: any free one) and returns the port.
    func start(port wanted: Int = 0) async throws -> Int {
        let router = Router()
        router.post("/hook") { [self] request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let delivery = request.headers.first { $0.name.canonicalName == "desk-delivery" }?.value ?? ""
            let answer: Answer = lock.withLock {
                seen += 1
                let answer = script.isEmpty ? .ok : script.removeFirst()
                if answer == .ok {
                    bodies.append(String(buffer: buffer))
                    deliveries.append(delivery)
                }
                return answer
            }
            switch answer {
            case .ok: return Response(status: .ok)
            case .fail: return Response(status: .internalServerError)
            case .hang:
                while !Task.isCancelled, !lock.withLock({ stopped }) { try await Task.sleep(for: .milliseconds(100)) }
                return Response(status: .serviceUnavailable)
            }
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: wanted)),
                              onServerRunning: { [self] channel in lock.withLock { port = channel.localAddress?.port } })
        // Stopped by a graceful shutdown, not by cancelling its task: the server then closes without
        // logging errors (issue 13, item 16).
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "hook-receiver"))
        lock.withLock { self.group = group }
        task = Task { try await group.run() }
        var found: Int?
        try await eventually(30, "the hook receiver to listen") {  // 30 s: a loaded test run starves the pool for seconds
            found = lock.withLock { port }
            return found != nil
        }
        return found ?? 0
    }

    /// The JSON bodies answered with 200, in order.
    var received: [[String: Any]] {
        lock.withLock { bodies }.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// The `Desk-Delivery` header of each request answered with 200.
    var deliveryIDs: [String] { lock.withLock { deliveries } }

    /// Requests that reached the handler, however they were answered.
    var requests: Int { lock.withLock { seen } }

    func stop() {
        guard let group = lock.withLock({ stopped = true; return self.group }) else { return }
        Task { await group.triggerGracefulShutdown() }
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now (bound, read, closed).
func freeLocalPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw E2EError("socket: \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    guard bound == 0 else { throw E2EError("bind: \(errno)") }
    var found = sockaddr_in()
    var size = length
    let named = withUnsafeMutablePointer(to: &found) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
    }
    guard named == 0 else { throw E2EError("getsockname: \(errno)") }
    return Int(UInt16(bigEndian: found.sin_port))
}
