import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection on a POSIX socket, for HTTP clients that misbehave on purpose: ones that
/// connect and say nothing, stop halfway through a request head, or pile up past the connection limit.
final class RawHTTPConnection {
    private let descriptor: Int32
    private var received: [UInt8] = []
    private var closedByServer = false

    /// Connects to `http` (`http://127.0.0.1:PORT`).
    init(_ http: String) throws {
        guard let url = URL(string: http), let port = url.port else { throw E2EError("not an http address: \(http)") }
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw E2EError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, url.host ?? "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw E2EError("connect to \(http): errno \(code)")
        }
    }

    deinit { Glibc.close(descriptor) }

    /// Sends `text` as it is (no line ending added).
    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw E2EError("send: errno \(errno)") }
    }

    /// Reads whatever has arrived without waiting; true once the server has closed the connection
    /// (end of stream or reset).
    func isClosedByServer() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closedByServer {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                received += buffer[0..<count]
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                closedByServer = true
            } else {
                break
            }
        }
        return closedByServer
    }

    /// Everything the server sent so far, as text.
    var text: String {
        _ = isClosedByServer()
        return String(decoding: received, as: UTF8.self)
    }

    /// Sends a complete request and reads until the server closes the connection, within `seconds`.
    func exchange(_ request: String, within seconds: Double = 10) async throws -> String {
        try send(request)
        try await eventually(seconds, every: .milliseconds(10), "the server to answer and close") { isClosedByServer() }
        return text
    }
}
