import Foundation
import KeelCore
import Testing

@Suite struct TraceIDTests {
    @Test func idsHaveTheW3CShapeAndSortInTimeOrder() {
        let earlier = TraceID.generate(at: Date(timeIntervalSince1970: 1_764_000_000))
        let later = TraceID.generate(at: Date(timeIntervalSince1970: 1_764_000_000.002))
        for id in [earlier, later] {
            #expect(id.value.count == 32)
            #expect(id.value.allSatisfy { "0123456789abcdef".contains($0) })
        }
        #expect(earlier.value < later.value)
        #expect(earlier.value.hasPrefix(String(1_764_000_000_000, radix: 16).leftPadded(to: 12)))
        #expect(TraceID.generate(at: Date(timeIntervalSince1970: 1)).value.hasPrefix("0000000003e8"))
    }

    @Test func idsInTheSameMillisecondDifferInTheirRandomPart() {
        let now = Date()
        let ids = Set((0..<10_000).map { _ in TraceID.generate(at: now).value })
        #expect(ids.count == 10_000)
        #expect(Set(ids.map { $0.prefix(12) }).count == 1)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
