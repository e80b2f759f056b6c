import Foundation

/// A self-contained HTML page of a run: the summary and SVG charts (throughput, queue depth, dispatch
/// latency percentiles over time, SLA attainment), no script and no external file.
public enum HTMLReport {
    public static func page(_ report: LoadTestReport) -> String {
        let throughput = throughputSeries(report.timeline)
        let queue = report.timeline.filter { $0.queued >= 0 }.map { ($0.t, Double($0.queued)) }
        let p50 = report.latencyOverTime.map { ($0.t, $0.p50) }, p99 = report.latencyOverTime.map { ($0.t, $0.p99) }
        let attainment = report.slaAttainment.sorted { $0.key < $1.key }
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Desk load test: \(escape(report.scenario))</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; max-width: 1000px; }
        h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 2em; }
        pre { background: #f6f6f6; padding: 1em; white-space: pre-wrap; overflow-wrap: anywhere; }
        svg text { font: 12px system-ui, sans-serif; fill: #333; }
        .audit-ok { color: #1a7f37; } .audit-bad { color: #c62828; }
        </style></head><body>
        <h1>Desk load test: \(escape(report.scenario))</h1>
        <p class="\(report.auditFailed == 0 ? "audit-ok" : "audit-bad")"><strong>audit: \(report.auditPassed) passed, \(report.auditFailed) failed</strong></p>
        <pre>\(escape(wrap(report.summary)))</pre>
        <h2>Throughput</h2>
        \(lineChart([("resolved per second", throughput, "#1565c0")], xLabel: "seconds into the run", yLabel: "tickets / s"))
        <h2>Queue depth</h2>
        \(lineChart([("tickets waiting", queue, "#ef6c00")], xLabel: "seconds into the run", yLabel: "tickets", integers: true))
        <h2>Dispatch latency over time (created → assigned)</h2>
        \(lineChart([("p50", p50, "#2e7d32"), ("p99", p99, "#c62828")], xLabel: "second of creation", yLabel: "milliseconds"))
        <h2>SLA attainment (resolved within the policy's resolution target)</h2>
        \(barChart(attainment.map { ($0.key, $0.value * 100) }, yLabel: "percent"))
        </body></html>
        """
    }

    /// Tickets resolved per second between samples, each at the end of its interval. The runner samples
    /// as the run starts (t ≈ 0), so the first second has its point; a timeline without that sample
    /// (older results) is measured from zero at t = 0.
    static func throughputSeries(_ samples: [LoadTestReport.TimelinePoint]) -> [(Double, Double)] {
        let start = samples.first.map { $0.t > 0.5 ? [LoadTestReport.TimelinePoint(t: 0, queued: 0, resolved: 0)] : [] } ?? []
        let timeline = start + samples
        var throughput: [(Double, Double)] = []
        for (previous, point) in zip(timeline, timeline.dropFirst()) where point.t > previous.t {
            throughput.append((point.t, Double(point.resolved - previous.resolved) / (point.t - previous.t)))
        }
        return throughput
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// `text` with every line longer than `width` broken at spaces, continuation lines indented by two, so
    /// the summary fits the page without a scroll bar.
    static func wrap(_ text: String, width: Int = 100) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { line -> [String] in
            var lines: [String] = [], current = ""
            for (index, word) in line.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
                let joined = index == 0 ? String(word) : current + " " + word
                if joined.count > width, !current.trimmingCharacters(in: .whitespaces).isEmpty {
                    lines.append(current)
                    current = "   " + word
                } else {
                    current = joined
                }
            }
            return lines + [current]
        }.joined(separator: "\n")
    }

    /// A line chart with labelled axes (round ticks: `ChartAxis`) and a legend; `integers` for counts.
    static func lineChart(_ series: [(String, [(Double, Double)], String)], xLabel: String, yLabel: String,
                          integers: Bool = false) -> String {
        let width = 900.0, height = 300.0, left = 70.0, right = 20.0, top = 20.0, bottom = 50.0
        let points = series.flatMap(\.1)
        guard !points.isEmpty else { return "<p>no data</p>" }
        let xAxis = ChartAxis(maximum: points.map(\.0).max() ?? 1, integers: false)
        let yAxis = ChartAxis(maximum: points.map(\.1).max() ?? 1, integers: integers)
        func x(_ v: Double) -> Double { left + v / xAxis.top * (width - left - right) }
        func y(_ v: Double) -> Double { height - bottom - v / yAxis.top * (height - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        svg += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(width - right)\" y2=\"\(y(0))\" stroke=\"#444\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(y(0))\" stroke=\"#444\"/>"
        for (value, label) in zip(xAxis.ticks, xAxis.labels) {
            svg += "<text x=\"\(x(value))\" y=\"\(y(0) + 16)\" text-anchor=\"middle\">\(label)</text>"
        }
        for (value, label) in zip(yAxis.ticks, yAxis.labels) {
            svg += "<text x=\"\(left - 6)\" y=\"\(y(value) + 4)\" text-anchor=\"end\">\(label)</text>"
            svg += "<line x1=\"\(left)\" y1=\"\(y(value))\" x2=\"\(width - right)\" y2=\"\(y(value))\" stroke=\"#ddd\"/>"
        }
        svg += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 10)\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        svg += "<text transform=\"translate(16,\((top + height - bottom) / 2)) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        for (index, (name, data, colour)) in series.enumerated() {
            let path = data.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(path)\"/>"
            svg += "<rect x=\"\(width - right - 160)\" y=\"\(top + Double(index) * 18)\" width=\"12\" height=\"12\" fill=\"\(colour)\"/>"
            svg += "<text x=\"\(width - right - 142)\" y=\"\(top + Double(index) * 18 + 10)\">\(escape(name))</text>"
        }
        return svg + "</svg>"
    }

    static func barChart(_ bars: [(String, Double)], yLabel: String) -> String {
        guard !bars.isEmpty else { return "<p>no data</p>" }
        let width = 500.0, height = 260.0, left = 60.0, bottom = 40.0, top = 20.0
        let slot = (width - left - 20) / Double(bars.count)
        func y(_ v: Double) -> Double { height - bottom - v / 100 * (height - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">"
        svg += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(width - 20)\" y2=\"\(y(0))\" stroke=\"#444\"/>"
        for tick in stride(from: 0.0, through: 100, by: 25) {
            svg += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(Int(tick))</text>"
            svg += "<line x1=\"\(left)\" y1=\"\(y(tick))\" x2=\"\(width - 20)\" y2=\"\(y(tick))\" stroke=\"#ddd\"/>"
        }
        svg += "<text transform=\"translate(16,\((top + height - bottom) / 2)) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        for (index, (name, value)) in bars.enumerated() {
            let x = left + Double(index) * slot + slot * 0.2
            svg += "<rect x=\"\(x)\" y=\"\(y(value))\" width=\"\(slot * 0.6)\" height=\"\(y(0) - y(value))\" fill=\"#1565c0\"/>"
            svg += "<text x=\"\(x + slot * 0.3)\" y=\"\(y(0) + 16)\" text-anchor=\"middle\">\(escape(name))</text>"
            svg += "<text x=\"\(x + slot * 0.3)\" y=\"\(y(value) - 4)\" text-anchor=\"middle\">\(String(format: "%.1f%%", value))</text>"
        }
        return svg + "</svg>"
    }
}
