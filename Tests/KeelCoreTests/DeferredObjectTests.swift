import KeelCore
import Synchronization
import Testing

@Suite struct DeferredObjectTests {
    final class Calls: Sendable {
        let count = Atomic<Int>(0)
        func made(_ object: JSONObject) -> JSONObject {
            count.add(1, ordering: .relaxed)
            return object
        }
    }

    /// A maker that holds what it makes the object of, as a call by reference's rendered body does.
    final class Maker: ObjectMaker {
        let calls: Calls
        let parts: JSONObject
        private let made = MadeObject()

        init(calls: Calls, parts: JSONObject) {
            self.calls = calls
            self.parts = parts
        }

        var object: JSONObject { made.get { calls.made(parts) } }
        var hasMade: Bool { made.isMade }
    }

    @Test func makesTheObjectOnceOnTheFirstReadOfAnyCopy() async {
        let calls = Calls()
        let deferred = DeferredObject(maker: Maker(calls: calls, parts: ["n": 42]))
        #expect(!deferred.isMade)
        #expect(calls.count.load(ordering: .relaxed) == 0)
        let copy = deferred
        await withTaskGroup(of: JSONObject.self) { group in
            for _ in 0..<50 { group.addTask { copy.value } }
            for await value in group { #expect(value == ["n": 42]) }
        }
        #expect(deferred.value == ["n": 42])
        #expect(deferred.isMade)
        #expect(calls.count.load(ordering: .relaxed) == 1)
    }

    @Test func anObjectGivenWholeIsMade() {
        #expect(DeferredObject(["a": 1]).isMade)
        #expect(DeferredObject(["a": 1]).value == ["a": 1])
    }

    @Test func anEditOrAnAssignmentReplacesTheMaker() {
        let calls = Calls()
        var deferred = DeferredObject(maker: Maker(calls: calls, parts: ["a": 1]))
        deferred.value["b"] = 2
        #expect(deferred.value == ["a": 1, "b": 2])
        deferred.value = ["c": 3]
        #expect(deferred.value == ["c": 3])
        #expect(calls.count.load(ordering: .relaxed) == 1)
    }
}
