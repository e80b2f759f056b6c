/// Desk's release: printed by `desk --version` and named by `/healthz`. Raised with each release.
public enum DeskVersion {
    public static let current = "0.1.0"
}
