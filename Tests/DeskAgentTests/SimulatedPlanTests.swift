@testable import DeskAgent
import Testing

/// The simulated worker's plan: with a reply macro, the customer hears from it before it resolves.
@Suite struct SimulatedPlanTests {
    func kinds(_ plan: WorkPlan) -> [String] {
        plan.steps.map { step in
            switch step.report {
            case .progress: "progress"
            case .applyMacro(let name): "macro \(name)"
            case .resolve: "resolve"
            default: "other"
            }
        }
    }

    @Test func aReplyMacroIsAppliedJustBeforeTheResolve() {
        #expect(kinds(.simulated(seconds: 4, replyMacro: "simulated-answer")) == ["progress", "macro simulated-answer", "resolve"])
        #expect(WorkPlan.simulated(seconds: 4, replyMacro: "simulated-answer").steps.map(\.delaySeconds) == [2, 2, 0])
        #expect(kinds(.simulated(seconds: 0, replyMacro: "simulated-answer")) == ["macro simulated-answer", "resolve"])
    }

    @Test func withoutOneThePlanIsUnchanged() {
        #expect(kinds(.simulated(seconds: 4)) == ["progress", "resolve"])
        #expect(kinds(.simulated(seconds: 0)) == ["resolve"])
    }
}
