import DeskModel
import Testing
@testable import DeskProtocol

@Suite("FrameCodec: the three-frame wire format")
struct FrameCodecTests {
    static let lease = WireLeaseRef(ticket: 42, epoch: 3)

    static var everyMessage: [WireMessage] {
        var hello = WireHello()
        hello.agent = "ana"
        hello.skills = ["billing", "network"]
        hello.capacity = 4
        hello.tier = 2
        hello.mode = "sim"
        hello.session = "s-1"
        hello.claims = #"{"pool":"helpdesk","conditions":[{"keywords":["password"]}]}"#
        hello.leases = [lease]
        var welcome = WireWelcome()
        welcome.agent = "ana"
        welcome.heartbeatIntervalMs = 1000
        welcome.heartbeatLiveness = 3
        welcome.keptLeases = [lease]
        welcome.lastSequence = 17
        var credit = WireCredit()
        credit.capacity = 2
        credit.away = true
        var assign = WireAssign()
        assign.lease = lease
        assign.ticket = WireTicketView(Ticket(
            id: 42, subject: "VPN down", body: "since 9am", requester: "bob@example.com",
            priority: .p1, category: "network", tags: ["vpn"], createdAt: 1_700_000_000_000))
        var revoke = WireRevoke()
        revoke.lease = lease
        revoke.reason = "lease expired"
        var accept = WireAccept()
        accept.seq = 1
        accept.lease = lease
        var progress = WireProgress()
        progress.seq = 2
        progress.lease = lease
        progress.note = "rebooting the router"
        progress.percent = 50
        var reply = WireReply()
        reply.seq = 3
        reply.lease = lease
        reply.body = "Try again now"
        reply.macro = "vpn-restart"
        var note = WireNote()
        note.seq = 4
        note.lease = lease
        note.body = "internal"
        var status = WireStatusChange()
        status.seq = 5
        status.lease = lease
        status.status = .waitingOnCustomer
        var escalate = WireEscalate()
        escalate.seq = 6
        escalate.lease = lease
        escalate.reason = "needs L2"
        escalate.tier = 2
        escalate.priority = .p2
        var release = WireRelease()
        release.seq = 7
        release.lease = lease
        release.reason = "going home"
        var resolve = WireResolve()
        resolve.seq = 8
        resolve.lease = lease
        resolve.resolution = "fixed"
        var ack = WireAck()
        ack.seq = 8
        var bye = WireBye()
        bye.reason = "shutdown"
        var update = WireUpdate()
        update.seq = 10
        update.lease = lease
        update.priority = .p1
        update.category = "billing"
        update.addTags = ["vip"]
        update.removeTags = ["spam"]
        var apply = WireApplyMacro()
        apply.seq = 11
        apply.lease = lease
        apply.macro = "password-reset"
        return [
            .hello(hello), .welcome(welcome), .heartbeat, .credit(credit), .assign(assign), .revoke(revoke),
            .accept(accept), .progress(progress), .reply(reply), .note(note), .statusChange(status),
            .escalate(escalate), .release(release), .resolve(resolve), .ack(ack),
            .error(.staleLease, "lease epoch 2 is stale; current is 3", sequence: 9), .bye(bye),
            .update(update), .applyMacro(apply),
        ]
    }

    @Test("every message round-trips through encode and decode")
    func roundTrip() throws {
        let messages = Self.everyMessage
        #expect(Set(messages.map(\.command.rawValue)) == Set(Command.allCases.map(\.rawValue)),
                "the test covers every command")
        for message in messages {
            let frames = FrameCodec.encode(message)
            #expect(frames.count == 3)
            #expect(frames[0] == Array("DESK".utf8) + [1])
            #expect(frames[1] == [message.command.rawValue])
            #expect(try FrameCodec.decode(frames) == message)
        }
    }

    func expectError(_ frames: [[UInt8]], _ code: WireErrorCode, mentioning text: String) {
        do {
            let message = try FrameCodec.decode(frames)
            Issue.record("decoded \(message) instead of failing with \(code)")
        } catch {
            #expect(error.code == code)
            #expect(error.message.contains(text), "\(error.message) should mention \(text)")
        }
    }

    @Test("malformed frames are refused as MALFORMED_FRAME, naming what is wrong")
    func malformed() {
        let good = FrameCodec.encode(.heartbeat)
        expectError([], .malformedFrame, mentioning: "got 0")
        expectError([good[0], good[1]], .malformedFrame, mentioning: "expected 3 frames")
        expectError(good + [[]], .malformedFrame, mentioning: "got 4")
        expectError([Array("HTTP/".utf8), good[1], good[2]], .malformedFrame, mentioning: "DESK")
        expectError([Array("DESK".utf8), good[1], good[2]], .malformedFrame, mentioning: "5 bytes")
        expectError([good[0], [], good[2]], .malformedFrame, mentioning: "command frame must be 1 byte")
        expectError([good[0], [1, 2], good[2]], .malformedFrame, mentioning: "got 2")
    }

    @Test("an unknown protocol version is refused as UNSUPPORTED_VERSION")
    func unknownVersion() {
        let good = FrameCodec.encode(.heartbeat)
        expectError([Array("DESK".utf8) + [2], good[1], good[2]], .unsupportedVersion, mentioning: "version 2")
        expectError([Array("DESK".utf8) + [0], good[1], good[2]], .unsupportedVersion, mentioning: "speaks 1")
    }

    @Test("an unknown command byte is refused as UNKNOWN_COMMAND")
    func unknownCommand() {
        expectError([FrameCodec.header, [0x7f], []], .unknownCommand, mentioning: "0x7f")
        expectError([FrameCodec.header, [0x00], []], .unknownCommand, mentioning: "0x0")
    }

    @Test("a truncated body is refused as INVALID_BODY")
    func truncatedBody() throws {
        var reply = WireReply()
        reply.seq = 1
        reply.body = String(repeating: "x", count: 200)
        let frames = FrameCodec.encode(.reply(reply))
        let truncated = Array(frames[2].prefix(frames[2].count - 50))
        expectError([frames[0], frames[1], truncated], .invalidBody, mentioning: "REPLY body does not decode")
        expectError([frames[0], frames[1], [0xff, 0xff, 0xff]], .invalidBody, mentioning: "REPLY")
    }

    @Test("an oversized body is refused as BODY_TOO_LARGE before any decoding")
    func oversizedBody() {
        let big = [UInt8](repeating: 0, count: FrameCodec.maxBodySize + 1)
        expectError([FrameCodec.header, [Command.note.rawValue], big], .bodyTooLarge, mentioning: "limit")
    }

    @Test("unknown enum values are refused as INVALID_BODY, not carried on as UNRECOGNIZED")
    func unknownEnumValue() throws {
        var status = WireStatusChange()
        status.seq = 1
        status.status = .UNRECOGNIZED(99)
        expectError(FrameCodec.encode(.statusChange(status)), .invalidBody, mentioning: "unknown ticket status 99")
        var escalate = WireEscalate()
        escalate.priority = .UNRECOGNIZED(9)
        expectError(FrameCodec.encode(.escalate(escalate)), .invalidBody, mentioning: "unknown priority 9")
    }

    @Test("model and wire priorities and statuses convert both ways")
    func conversions() {
        for priority in Priority.allCases { #expect(Priority(wire: priority.wire) == priority) }
        for status in TicketStatus.allCases { #expect(TicketStatus(wire: status.wire) == status) }
        #expect(Priority(wire: .unspecified) == nil)
        #expect(TicketStatus(wire: .UNRECOGNIZED(40)) == nil)
    }
}
