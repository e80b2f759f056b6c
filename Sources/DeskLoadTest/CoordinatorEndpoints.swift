import Synchronization

/// The coordinator's addresses as the load-test runner knows them: set when the coordinator starts (and
/// again when a fault's restart brings it back) while intake, the progress line and the audit read them.
///
/// One value behind a `Mutex`: the fault task's write never races the intake tasks' reads, and a reader
/// gets the addresses of one start, never half of two.
final class CoordinatorEndpoints: Sendable {
    /// Where the coordinator listens, and what to bind again on a restart.
    struct Addresses: Sendable, Equatable {
        /// Its HTTP API, `http://HOST:PORT` (empty until it has started).
        var http = ""
        var agents = "tcp://127.0.0.1:*"
        var events = "tcp://127.0.0.1:*"
        /// The `--http` argument: `HOST:PORT`, port 0 until the first start fixed it.
        var httpBind = "127.0.0.1:0"
    }

    private let addresses = Mutex(Addresses())

    /// The addresses now.
    var current: Addresses { addresses.withLock { $0 } }

    /// Replaces all of them at once.
    func set(_ new: Addresses) { addresses.withLock { $0 = new } }
}
