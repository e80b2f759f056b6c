/// An error of the Desk store that is not SQLite's own.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable { case closed, notFound, corrupt, fenced, conflict }
    private let code: Code
    /// What happened, naming the thing concerned.
    public let message: String

    /// The writer was closed before the change could run.
    public static var closed: StoreError { .init(code: .closed, message: "the store's writer is closed") }
    /// A row the change needs does not exist.
    public static func notFound(_ what: String) -> StoreError { .init(code: .notFound, message: "\(what) not found") }
    /// A stored value could not be read back (an unknown status, say).
    public static func corrupt(_ what: String) -> StoreError { .init(code: .corrupt, message: what) }

    /// The change contradicts what is stored (an account asked for with another role than it has).
    public static func conflict(_ what: String) -> StoreError { .init(code: .conflict, message: what) }

    /// A lease-guarded statement matched no row: the ticket's stored epoch (or status) is not the one the
    /// change was decided on. Memory and disk disagree; the coordinator stops and its restart replays.
    public static func fenced(_ what: String) -> StoreError { .init(code: .fenced, message: "fenced: \(what)") }

    public var isFenced: Bool { code == .fenced }
    public var isClosed: Bool { code == .closed }
    public var isNotFound: Bool { code == .notFound }
    public var description: String { message }
}
