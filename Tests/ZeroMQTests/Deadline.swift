import Foundation

/// Runs `body` and fails if it has not finished within `seconds`: a hang becomes a test failure, not a
/// stuck CI run. The body runs on its own thread, since a hang inside libzmq would block a task forever.
struct DeadlineExceeded: Error {}

func withDeadline<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<T, any Error>?
    Thread {
        result = Result { try body() }
        done.signal()
    }.start()
    guard done.wait(timeout: .now() + seconds) == .success, let result else { throw DeadlineExceeded() }
    return try result.get()
}
