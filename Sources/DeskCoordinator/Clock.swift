import DeskModel
import Foundation

/// Wall-clock milliseconds since the Unix epoch: the time stamped on history events.
func currentMillis() -> Millis {
    Millis((Date().timeIntervalSince1970 * 1000).rounded())
}
