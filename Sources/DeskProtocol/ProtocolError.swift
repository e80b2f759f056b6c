/// Why a message was refused at the frame level: the wire error code and a text naming the problem.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The code sent back in an ERROR message.
    public let code: WireErrorCode
    /// What exactly was wrong, for people and logs.
    public let message: String

    public init(_ code: WireErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    static func malformed(_ message: String) -> ProtocolError { .init(.malformedFrame, message) }
}
