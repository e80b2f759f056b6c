/// A target duration as the config file and the API write it (`90s`, `15m`, `4h`), checked against a
/// bound so that no arithmetic on it can overflow: due times are `start + target`, and a ticket's clock
/// adds targets to instants near 2^41 ms.
public enum TargetDuration {
    /// The longest target any response or resolution setting may name: 366 days.
    public static let maxMillis: Millis = 366 * 86_400_000

    /// The duration in milliseconds, or nil when `text` is not a positive duration of at most a year
    /// (`1e300s`, `9223372036800000s`, `0s`, `-1m`, `abc` are all nil).
    public static func millis(_ text: String) -> Millis? {
        guard let seconds = try? ServiceTime.seconds(text), seconds > 0,
              seconds * 1000 <= Double(maxMillis) else { return nil }
        return max(1, Millis((seconds * 1000).rounded()))
    }

    /// The problem with `text` as a target, in words the API and the config errors use.
    public static func problem(_ text: String, field: String) -> String {
        "\(field) '\(text.prefix(40))' is not a duration like 90s, 15m or 4h of at most 366 days"
    }
}
