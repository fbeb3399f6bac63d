import KeelPrompts
import Testing

struct ArmAssignmentTests {
    @Test(arguments: [0.5, 5, 25, 50])
    func theCandidatesShareConvergesOnTheWeight(weight: Double) {
        let assignment = ArmAssignment(rolloutID: "ro_3f9a", weight: weight)
        let candidates = (0..<100_000).count { assignment.arm(stickyKey: "user-\($0)", random: 0) == .candidate }
        #expect(abs(Double(candidates) / 1000 - weight) < 1, "\(candidates) of 100000 at \(weight)%")
    }

    @Test func aKeyStaysOnItsArm() {
        let assignment = ArmAssignment(rolloutID: "ro_3f9a", weight: 25)
        for index in 0..<1000 {
            let key = "session-\(index)"
            let first = assignment.arm(stickyKey: key, random: 0.99)
            // The random number is not used when there is a key.
            #expect(assignment.arm(stickyKey: key, random: 0) == first)
        }
    }

    @Test func aKeyOnTheCandidateStaysOnItAsTheWeightGrows() {
        for index in 0..<2000 {
            let key = "u\(index)"
            let weights: [Double] = [1, 5, 25, 50, 100]
            let arms = weights.map { ArmAssignment(rolloutID: "ro_1", weight: $0).arm(stickyKey: key, random: 0) }
            if let first = arms.firstIndex(of: .candidate) {
                #expect(arms[first...].allSatisfy { $0 == .candidate })
            }
            #expect(arms.last == .candidate)
        }
    }

    /// The bucket is part of the contract between processes and across restarts: it must never
    /// depend on the process (as Swift's Hasher does) nor change between versions of Keel.
    @Test func theBucketIsFixedForAKey() {
        #expect(ArmAssignment.bucket(rolloutID: "ro_1", key: "alice") == ArmAssignment.bucket(rolloutID: "ro_1", key: "alice"))
        #expect(ArmAssignment.bucket(rolloutID: "ro_1", key: "alice") != ArmAssignment.bucket(rolloutID: "ro_2", key: "alice"))
        #expect(ArmAssignment.bucket(rolloutID: "ro_1", key: "alice").isApproximatelyEqual(to: Self.aliceBucket))
    }

    /// Computed independently (Python) from the FNV-1a 64 and fmix64 definitions.
    static let aliceBucket = 86.3823085287159

    @Test func differentRolloutsPickDifferentUsers() {
        let first = ArmAssignment(rolloutID: "ro_a", weight: 10)
        let second = ArmAssignment(rolloutID: "ro_b", weight: 10)
        let both = (0..<10_000).count {
            first.arm(stickyKey: "u\($0)", random: 0) == .candidate && second.arm(stickyKey: "u\($0)", random: 0) == .candidate
        }
        // Independent: about 1% of users are in both; the same users would make it 10%.
        #expect(both < 200)
    }

    @Test func withoutAKeyTheRandomNumberDecides() {
        let assignment = ArmAssignment(rolloutID: "ro_1", weight: 5)
        #expect(assignment.arm(stickyKey: nil, random: 0.049) == .candidate)
        #expect(assignment.arm(stickyKey: nil, random: 0.05) == .stable)
        #expect(assignment.arm(stickyKey: "", random: 0.01) == .candidate)
        #expect(ArmAssignment(rolloutID: "ro_1", weight: 0).arm(stickyKey: "alice", random: 0) == .stable)
    }
}

struct StickyKeyTests {
    @Test func theUserComesFromTheBodyElseTheHeader() {
        let headers = ["x-keel-user": "header-user", "x-keel-session": "s-1"]
        #expect(RolloutSpec.Sticky.user.key(bodyUser: "body-user", headers: headers) == "body-user")
        #expect(RolloutSpec.Sticky.user.key(bodyUser: nil, headers: headers) == "header-user")
        #expect(RolloutSpec.Sticky.user.key(bodyUser: "", headers: headers) == "header-user")
        #expect(RolloutSpec.Sticky.user.key(bodyUser: nil, headers: [:]) == nil)
        #expect(RolloutSpec.Sticky.session.key(bodyUser: "body-user", headers: headers) == "s-1")
        #expect(RolloutSpec.Sticky.session.key(bodyUser: nil, headers: ["x-keel-session": ""]) == nil)
        #expect(RolloutSpec.Sticky.none.key(bodyUser: "body-user", headers: headers) == nil)
    }
}

extension Double {
    func isApproximatelyEqual(to other: Double) -> Bool { abs(self - other) < 1e-9 }
}
