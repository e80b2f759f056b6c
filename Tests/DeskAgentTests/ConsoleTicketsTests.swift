@testable import DeskAgent
import DeskModel
import Testing

/// The console's ticket bookkeeping, as pure logic: `wait` hands out only tickets still held, and there is
/// always a current ticket while any is held.
@Suite struct ConsoleTicketsTests {
    @Test func theFirstArrivalIsCurrentAndWaitHandsOutArrivalsInOrder() {
        var book = ConsoleTickets()
        book.assigned(7)
        book.assigned(8)
        #expect(book.current == 7)
        let handed = [book.takeArrival(), book.takeArrival(), book.takeArrival()]
        #expect(handed == [7, 8, nil])
        #expect(book.current == 8)
    }

    @Test func aTicketThatLeftIsNeverHandedOutByWait() {
        var book = ConsoleTickets()
        book.assigned(7)
        book.assigned(8)
        book.left(7)  // resolved, escalated, released or revoked before anyone waited for it
        let handed = [book.takeArrival(), book.takeArrival()]
        #expect(handed == [8, nil])
    }

    @Test func whenTheCurrentTicketLeavesTheOldestHeldOneBecomesCurrent() {
        var book = ConsoleTickets()
        book.assigned(7)
        book.assigned(8)
        book.assigned(9)
        let used = book.use(9)
        #expect(used)
        let afterNine = book.left(9)
        #expect(afterNine == .some(7))
        #expect(book.current == 7)
        let afterEight = book.left(8)
        #expect(afterEight == nil, "a ticket that was not current leaves the current one alone")
        let afterSeven = book.left(7)
        #expect(afterSeven == .some(nil))
        #expect(book.current == nil)
        book.assigned(10)
        #expect(book.current == 10, "the next arrival is current again once nothing else is")
    }

    @Test func syncDropsWhatTheRuntimeNoLongerHoldsAndAddsWhatItGained() {
        var book = ConsoleTickets()
        book.assigned(7)
        book.assigned(8)
        let moved = book.sync([8, 12])
        #expect(moved == .some(8), "7 was dropped without an event (a WELCOME, a stale lease)")
        #expect(book.held == [8, 12])
        let handed = [book.takeArrival(), book.takeArrival()]
        #expect(handed == [8, 12])
        let again = book.sync([8, 12])
        #expect(again == nil)
    }

    @Test func useRefusesATicketNotHeld() {
        var book = ConsoleTickets()
        book.assigned(7)
        let used = book.use(99)
        #expect(!used)
        #expect(book.current == 7)
    }
}
