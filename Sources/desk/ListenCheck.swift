import Foundation

/// Checks, before anything starts, that the addresses a coordinator is to listen on are free, so a clash
/// is reported once, naming the address, instead of as a bare "Address already in use".
///
/// A probe: bind (with `SO_REUSEADDR`, as NIO and libzmq bind) and close at once. Another program may
/// still take the port in between; the bind of the coordinator itself then fails as before.
enum ListenCheck {
    /// Why `host:port` cannot be listened on (`what` names the address's use), or nil when it can, or
    /// when there is nothing to check (port 0 picks a free port).
    static func problem(host: String, port: Int, what: String) -> String? {
        guard port > 0 else { return nil }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host == "*" ? nil : host, "\(port)", &hints, &found) == 0, let info = found else { return nil }
        defer { freeaddrinfo(found) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 else { return nil }
        let reason = errno == EADDRINUSE ? "the address is in use by another program (another coordinator?)"
                                         : String(cString: strerror(errno))
        return "cannot listen for \(what) on \(host):\(port): \(reason)"
    }

    /// The same for a ZeroMQ endpoint: only `tcp://HOST:PORT` is checked (`*` ports pick a free one).
    static func problem(endpoint: String, what: String) -> String? {
        guard endpoint.hasPrefix("tcp://") else { return nil }
        let address = endpoint.dropFirst("tcp://".count)
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return problem(host: host, port: port, what: what).map { $0.replacingOccurrences(of: "on \(host):\(port)", with: "on \(endpoint)") }
    }
}
