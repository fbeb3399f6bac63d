import Synchronization

/// Random words for identifiers (trace, span and completion ids). A xoshiro256** generator,
/// seeded once from the system's, behind a lock: `SystemRandomNumberGenerator` costs a
/// getrandom(2) system call per word, several per request. Not for secrets.
public struct IdentifierRandom: RandomNumberGenerator {
    private static let shared = Mutex(Xoshiro256StarStar(seededBy: SystemRandomNumberGenerator()))

    public init() {}

    public mutating func next() -> UInt64 {
        Self.shared.withLock { $0.next() }
    }

    /// `count` random bytes as lowercase hex digits.
    public static func hex(bytes count: Int) -> String {
        String(unsafeUninitializedCapacity: count * 2) { buffer in
            writeRandomHex(bytes: count, into: buffer, at: 0)
            return count * 2
        }
    }

    /// Writes `count` random bytes as hex digits into `buffer` from `offset`.
    static func writeRandomHex(bytes count: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var generator = IdentifierRandom()
        var word: UInt64 = 0
        for index in 0..<count {
            if index % 8 == 0 { word = generator.next() }
            let byte = UInt8(truncatingIfNeeded: word >> (UInt64(index % 8) * 8))
            buffer[offset + index * 2] = (byte >> 4).hexDigit
            buffer[offset + index * 2 + 1] = (byte & 0x0F).hexDigit
        }
    }
}

struct Xoshiro256StarStar: Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init(seededBy source: some RandomNumberGenerator) {
        var source = source
        repeat {
            state = (source.next(), source.next(), source.next(), source.next())
        } while state == (0, 0, 0, 0)
    }

    mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}
