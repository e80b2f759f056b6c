/// How hard a commit is pushed to disk before it is acknowledged.
public enum Durability: String, Sendable, CaseIterable {
    /// `synchronous=FULL`: a commit survives a process kill and a power loss. The default; group commit
    /// makes it cost little.
    case full
    /// `synchronous=NORMAL`: a commit survives a process kill (`kill -9`), but the last commits may be
    /// lost on power loss or an OS crash.
    case normal
}
