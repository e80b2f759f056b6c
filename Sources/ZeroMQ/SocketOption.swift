import CZeroMQ

/// A value type libzmq can hold as a socket option: `int`, `int64_t`, a byte string or a text.
public protocol SocketOptionValue: Sendable {
    /// Sets option `code` on `socket` to `value`.
    static func write(_ value: Self, code: Int32, to socket: UnsafeMutableRawPointer) -> Int32
    /// Reads option `code` from `socket`, or nil when libzmq refuses.
    static func read(code: Int32, from socket: UnsafeMutableRawPointer) -> Self?
}

extension Int32: SocketOptionValue {
    public static func write(_ value: Int32, code: Int32, to socket: UnsafeMutableRawPointer) -> Int32 {
        withUnsafeBytes(of: value) { zmq_setsockopt(socket, code, $0.baseAddress, $0.count) }
    }
    public static func read(code: Int32, from socket: UnsafeMutableRawPointer) -> Int32? {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        return zmq_getsockopt(socket, code, &value, &size) == 0 ? value : nil
    }
}

extension Int64: SocketOptionValue {
    public static func write(_ value: Int64, code: Int32, to socket: UnsafeMutableRawPointer) -> Int32 {
        withUnsafeBytes(of: value) { zmq_setsockopt(socket, code, $0.baseAddress, $0.count) }
    }
    public static func read(code: Int32, from socket: UnsafeMutableRawPointer) -> Int64? {
        var value: Int64 = 0
        var size = MemoryLayout<Int64>.size
        return zmq_getsockopt(socket, code, &value, &size) == 0 ? value : nil
    }
}

extension Bool: SocketOptionValue {
    public static func write(_ value: Bool, code: Int32, to socket: UnsafeMutableRawPointer) -> Int32 {
        Int32.write(value ? 1 : 0, code: code, to: socket)
    }
    public static func read(code: Int32, from socket: UnsafeMutableRawPointer) -> Bool? {
        Int32.read(code: code, from: socket).map { $0 != 0 }
    }
}

extension Array: SocketOptionValue where Element == UInt8 {
    public static func write(_ value: [UInt8], code: Int32, to socket: UnsafeMutableRawPointer) -> Int32 {
        value.withUnsafeBytes { zmq_setsockopt(socket, code, $0.baseAddress, $0.count) }
    }
    public static func read(code: Int32, from socket: UnsafeMutableRawPointer) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 256)
        var size = buffer.count
        guard zmq_getsockopt(socket, code, &buffer, &size) == 0 else { return nil }
        return Array(buffer.prefix(size))
    }
}

extension String: SocketOptionValue {
    public static func write(_ value: String, code: Int32, to socket: UnsafeMutableRawPointer) -> Int32 {
        [UInt8].write(Array(value.utf8), code: code, to: socket)
    }
    public static func read(code: Int32, from socket: UnsafeMutableRawPointer) -> String? {
        guard let bytes = [UInt8].read(code: code, from: socket) else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// One libzmq socket option with its value type: the single, generic option API.
///
/// `socket.set(.linger, 0)`, `socket.get(.lastEndpoint)`. Add an option by adding a static member;
/// there is no hand-written setter per option.
public struct SocketOption<Value: SocketOptionValue>: Sendable {
    /// libzmq's option code (`ZMQ_LINGER`, ...).
    public let code: Int32
    /// The option's name, for error messages.
    public let name: String

    /// Declares an option by code; use for options this file does not list yet.
    public init(code: Int32, name: String) {
        self.code = code
        self.name = name
    }
}

extension SocketOption where Value == Int32 {
    /// Milliseconds unsent messages are kept after close (`ZMQ_LINGER`); 0 drops them at once.
    public static var linger: Self { .init(code: ZMQ_LINGER, name: "linger") }
    /// Outbound queue limit in messages (`ZMQ_SNDHWM`).
    public static var sendHighWaterMark: Self { .init(code: ZMQ_SNDHWM, name: "sendHighWaterMark") }
    /// Inbound queue limit in messages (`ZMQ_RCVHWM`).
    public static var receiveHighWaterMark: Self { .init(code: ZMQ_RCVHWM, name: "receiveHighWaterMark") }
    /// First reconnect delay in milliseconds (`ZMQ_RECONNECT_IVL`).
    public static var reconnectInterval: Self { .init(code: ZMQ_RECONNECT_IVL, name: "reconnectInterval") }
    /// Upper bound of the exponential reconnect delay in milliseconds (`ZMQ_RECONNECT_IVL_MAX`).
    public static var reconnectIntervalMax: Self {
        .init(code: ZMQ_RECONNECT_IVL_MAX, name: "reconnectIntervalMax")
    }
    /// ZMTP heartbeat interval in milliseconds (`ZMQ_HEARTBEAT_IVL`); 0 disables.
    public static var heartbeatInterval: Self { .init(code: ZMQ_HEARTBEAT_IVL, name: "heartbeatInterval") }
    /// ZMTP heartbeat timeout in milliseconds (`ZMQ_HEARTBEAT_TIMEOUT`).
    public static var heartbeatTimeout: Self { .init(code: ZMQ_HEARTBEAT_TIMEOUT, name: "heartbeatTimeout") }
    /// ZMTP heartbeat time-to-live announced to the peer, in milliseconds (`ZMQ_HEARTBEAT_TTL`).
    public static var heartbeatTTL: Self { .init(code: ZMQ_HEARTBEAT_TTL, name: "heartbeatTTL") }
    /// Blocking send timeout in milliseconds, -1 forever (`ZMQ_SNDTIMEO`).
    public static var sendTimeout: Self { .init(code: ZMQ_SNDTIMEO, name: "sendTimeout") }
    /// Blocking receive timeout in milliseconds, -1 forever (`ZMQ_RCVTIMEO`).
    public static var receiveTimeout: Self { .init(code: ZMQ_RCVTIMEO, name: "receiveTimeout") }
    /// Pending poll events, read-only (`ZMQ_EVENTS`).
    public static var events: Self { .init(code: ZMQ_EVENTS, name: "events") }
}

extension SocketOption where Value == Int64 {
    /// Largest inbound message in bytes; a peer sending more is disconnected (`ZMQ_MAXMSGSIZE`).
    public static var maxMessageSize: Self { .init(code: ZMQ_MAXMSGSIZE, name: "maxMessageSize") }
}

extension SocketOption where Value == Bool {
    /// A ROUTER fails a send to an unknown peer with `EHOSTUNREACH` instead of dropping it.
    public static var routerMandatory: Self { .init(code: ZMQ_ROUTER_MANDATORY, name: "routerMandatory") }
    /// A ROUTER hands a routing id over to a new connection that claims it (`ZMQ_ROUTER_HANDOVER`).
    public static var routerHandover: Self { .init(code: ZMQ_ROUTER_HANDOVER, name: "routerHandover") }
    /// Queue messages only to completed connections (`ZMQ_IMMEDIATE`).
    public static var immediate: Self { .init(code: ZMQ_IMMEDIATE, name: "immediate") }
    /// This socket is a CURVE server (`ZMQ_CURVE_SERVER`).
    public static var curveServer: Self { .init(code: ZMQ_CURVE_SERVER, name: "curveServer") }
}

extension SocketOption where Value == [UInt8] {
    /// The identity a DEALER presents to a ROUTER (`ZMQ_ROUTING_ID`), 1 to 255 bytes.
    public static var routingID: Self { .init(code: ZMQ_ROUTING_ID, name: "routingID") }
    /// A SUB subscribes to topics starting with these bytes; empty means all (`ZMQ_SUBSCRIBE`).
    public static var subscribe: Self { .init(code: ZMQ_SUBSCRIBE, name: "subscribe") }
    /// Removes a subscription (`ZMQ_UNSUBSCRIBE`).
    public static var unsubscribe: Self { .init(code: ZMQ_UNSUBSCRIBE, name: "unsubscribe") }
}

extension SocketOption where Value == String {
    /// The endpoint last bound, with the port chosen for `tcp://...:*` (`ZMQ_LAST_ENDPOINT`).
    public static var lastEndpoint: Self { .init(code: ZMQ_LAST_ENDPOINT, name: "lastEndpoint") }
    /// This socket's CURVE public key, Z85 text of 40 characters (`ZMQ_CURVE_PUBLICKEY`).
    public static var curvePublicKey: Self { .init(code: ZMQ_CURVE_PUBLICKEY, name: "curvePublicKey") }
    /// This socket's CURVE secret key, Z85 text (`ZMQ_CURVE_SECRETKEY`).
    public static var curveSecretKey: Self { .init(code: ZMQ_CURVE_SECRETKEY, name: "curveSecretKey") }
    /// The ZAP domain of this socket's connections (`ZMQ_ZAP_DOMAIN`).
    public static var zapDomain: Self { .init(code: ZMQ_ZAP_DOMAIN, name: "zapDomain") }
    /// The server's CURVE public key a client expects, Z85 text (`ZMQ_CURVE_SERVERKEY`).
    public static var curveServerKey: Self { .init(code: ZMQ_CURVE_SERVERKEY, name: "curveServerKey") }
}

/// A CURVE key pair in Z85 text, for `curvePublicKey` / `curveSecretKey`.
public struct CurveKeyPair: Sendable, Equatable {
    /// The public key, 40 Z85 characters.
    public let publicKey: String
    /// The secret key, 40 Z85 characters. Never log it.
    public let secretKey: String

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Whether `text` is a CURVE key in Z85: 40 characters of the Z85 alphabet.
    public static func isKey(_ text: String) -> Bool {
        text.utf8.count == 40 && Z85.decode(text)?.count == 32
    }

    /// Generates a new key pair with libzmq's `zmq_curve_keypair`.
    public static func generate() throws -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return CurveKeyPair(
            publicKey: String(decoding: pub.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self),
            secretKey: String(decoding: sec.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        )
    }
}

/// Z85 text of binary keys (ZeroMQ RFC 32), through libzmq.
public enum Z85 {
    /// Z85 text of `bytes` (a multiple of 4 long), or nil.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        var text = [CChar](repeating: 0, count: bytes.count * 5 / 4 + 1)
        guard zmq_z85_encode(&text, bytes, bytes.count) != nil else { return nil }
        return String(decoding: text.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The bytes of Z85 `text` (a multiple of 5 long), or nil.
    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.count % 5 == 0, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
        var bytes = [UInt8](repeating: 0, count: text.utf8.count * 4 / 5)
        guard zmq_z85_decode(&bytes, text) != nil else { return nil }
        return bytes
    }
}

extension Socket {
    /// Makes this socket a CURVE client of the server whose public key is `serverKey`, as `keys` (before
    /// it connects).
    public func setCurveClient(serverKey: String, keys: CurveKeyPair) throws {
        try set(.curveServerKey, serverKey)
        try set(.curvePublicKey, keys.publicKey)
        try set(.curveSecretKey, keys.secretKey)
    }
}
