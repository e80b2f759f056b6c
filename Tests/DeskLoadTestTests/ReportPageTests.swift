@testable import DeskLoadTest
import Testing

/// The HTML report's pure parts: the summary fits the page, the first second is drawn, and an attached run
/// counts its own queue.
@Suite struct ReportPageTests {
    @Test func longSummaryLinesAreWrappedAtSpacesWithAHangingIndent() {
        let long = "M/M/c (Erlang C at the schedule's arrival rate): predicted P(wait > 3 ms) 0.123, mean wait 0.456 s; "
            + "measured P(wait > 3 ms) 0.130, mean wait 0.470 s (+3.1%)"
        let text = HTMLReport.wrap("scenario smoke: 10 planned\n" + long + "\n  open: ticket 7: in_progress", width: 100)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.count <= 100 }, "\(lines)")
        #expect(lines.count == 4)
        #expect(lines[2].hasPrefix("   "), "a continuation is indented")
        #expect(lines[3] == "  open: ticket 7: in_progress", "short lines keep their own indent")
        #expect(text.split(whereSeparator: { $0 == " " || $0 == "\n" }) == ("scenario smoke: 10 planned " + long + " open: ticket 7: in_progress")
                    .split(separator: " "), "no word is lost or split")
    }

    @Test func theFirstSecondOfThroughputIsDrawn() {
        let sampledFromOne = [LoadTestReport.TimelinePoint(t: 1, queued: 3, resolved: 4),
                              LoadTestReport.TimelinePoint(t: 2, queued: 1, resolved: 10)]
        let series = HTMLReport.throughputSeries(sampledFromOne)
        #expect(series.map(\.0) == [1, 2])
        #expect(series.map(\.1) == [4, 6])
        let sampledFromZero = [LoadTestReport.TimelinePoint(t: 0.01, queued: 0, resolved: 0)] + sampledFromOne
        #expect(HTMLReport.throughputSeries(sampledFromZero).first?.0 == 1)
    }

    @Test func theRunsOwnQueueIsCountedFromTheEventStream() {
        var tally = EventTally()
        func event(_ kind: String, _ ticket: Int) {
            tally.record(topic: Array(kind.utf8), body: Array("{\"ticket\":\(ticket),\"kind\":\"\(kind)\"}".utf8), at: 0)
        }
        event("created", 1)
        event("created", 2)
        event("created", 3)
        event("assigned", 1)
        event("assigned", 2)
        event("released", 2)   // back in the queue
        event("assigned", 3)
        event("resolved", 3)
        event("created", 99)   // another client's ticket: not this run's
        #expect(tally.waiting == [2, 99])
        #expect([1, 2, 3].count { tally.waiting.contains($0) } == 1)
    }
}
