import Foundation

/// How long a simulated agent works a ticket: constant, exponential or lognormal.
public enum ServiceTime: Sendable, Equatable, CustomStringConvertible {
    case constant(seconds: Double)
    case exponential(meanSeconds: Double)
    /// Lognormal with the given mean (seconds) and sigma of the underlying normal.
    case lognormal(meanSeconds: Double, sigma: Double)

    /// Parses `2s`, `500ms`, `0`, `exp:2s`, `lognormal:2s,0.5`.
    public init(parsing text: String) throws(ServiceTimeError) {
        if text.hasPrefix("exp:") {
            self = .exponential(meanSeconds: try Self.seconds(String(text.dropFirst(4))))
        } else if text.hasPrefix("lognormal:") {
            let parts = text.dropFirst(10).split(separator: ",")
            guard parts.count == 2, let sigma = Double(parts[1]), sigma >= 0 else {
                throw ServiceTimeError(text: text)
            }
            self = .lognormal(meanSeconds: try Self.seconds(String(parts[0])), sigma: sigma)
        } else {
            self = .constant(seconds: try Self.seconds(text))
        }
    }

    static func seconds(_ text: String) throws(ServiceTimeError) -> Double {
        let value: Double?
        if text.hasSuffix("ms") { value = Double(text.dropLast(2)).map { $0 / 1000 } }
        else if text.hasSuffix("s") { value = Double(text.dropLast()) }
        else if text.hasSuffix("m") { value = Double(text.dropLast()).map { $0 * 60 } }
        else if text.hasSuffix("h") { value = Double(text.dropLast()).map { $0 * 3600 } }
        else { value = Double(text) }
        guard let value, value >= 0, value.isFinite else { throw ServiceTimeError(text: text) }
        return value
    }

    /// Draws one service time in seconds.
    public func sample<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        switch self {
        case .constant(let seconds):
            return seconds
        case .exponential(let mean):
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            return -mean * log(u)
        case .lognormal(let mean, let sigma):
            // mean = exp(mu + sigma²/2)
            let mu = log(max(mean, 1e-9)) - sigma * sigma / 2
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let u2 = Double.random(in: 0..<1, using: &generator)
            let normal = sqrt(-2 * log(u1)) * cos(2 * .pi * u2)
            return exp(mu + sigma * normal)
        }
    }

    /// The distribution's mean, in seconds.
    public var meanSeconds: Double {
        switch self {
        case .constant(let seconds): seconds
        case .exponential(let mean): mean
        case .lognormal(let mean, _): mean
        }
    }

    public var description: String {
        switch self {
        case .constant(let s): "\(s)s"
        case .exponential(let m): "exp:\(m)s"
        case .lognormal(let m, let sigma): "lognormal:\(m)s,\(sigma)"
        }
    }
}

/// A service-time text that does not parse.
public struct ServiceTimeError: Error, Sendable, CustomStringConvertible {
    public let text: String
    public var description: String {
        "service time '\(text)' is not valid: use 2s, 500ms, exp:2s or lognormal:2s,0.5"
    }
}
