/// One side of a rollout: what serves now, or what is being tried.
public enum Arm: String, Sendable, Hashable, CaseIterable {
    case stable
    case candidate
}

/// Which arm serves a request, given the candidate's share of the traffic in percent.
///
/// A request with a sticky key (its user or session) lands in a bucket in [0, 100) computed
/// from FNV-1a 64 of the rollout id and the key: the same in every process and after a
/// restart (Swift's `Hasher` is seeded per process, so it cannot be used), and different per
/// rollout, so the same users are not always the first to try every change. The candidate
/// serves the buckets below the weight: as the weight grows, users already on the candidate
/// stay on it. A request with no key uses the random number it brings.
public struct ArmAssignment: Sendable, Hashable {
    public var rolloutID: String
    /// The candidate's share, 0...100; fractions allowed.
    public var weight: Double

    public init(rolloutID: String, weight: Double) {
        self.rolloutID = rolloutID
        self.weight = weight
    }

    /// `random` is uniform in [0, 1), used only when there is no sticky key.
    public func arm(stickyKey: String?, random: Double) -> Arm {
        bucket(stickyKey: stickyKey, random: random) < weight ? .candidate : .stable
    }

    public func bucket(stickyKey: String?, random: Double) -> Double {
        guard let stickyKey, !stickyKey.isEmpty else { return random * 100 }
        return Self.bucket(rolloutID: rolloutID, key: stickyKey)
    }

    /// The key's place in [0, 100): the top 53 bits of the hash as a fraction.
    public static func bucket(rolloutID: String, key: String) -> Double {
        var hash = FNV1a64()
        hash.add(rolloutID.utf8)
        hash.add(CollectionOfOne(0))
        hash.add(key.utf8)
        return Double(hash.mixed >> 11) / Double(UInt64(1) << 53) * 100
    }
}

/// FNV-1a, 64 bits: small, fast and the same everywhere. Not for anything an attacker could
/// exploit; a user choosing their id to land in an arm gains nothing.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01b3
        }
    }

    /// FNV's last bytes barely reach the high bits, which make the bucket; a final avalanche
    /// (MurmurHash3's fmix64) spreads them, so that `user-1` ... `user-9` spread over buckets.
    var mixed: UInt64 {
        var x = value
        x ^= x >> 33
        x &*= 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        x &*= 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return x
    }
}
