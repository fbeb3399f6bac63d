import KeelCore
import Testing

@Suite struct HexTests {
    @Test func bytesAreWrittenAsTwoLowercaseDigitsEach() {
        #expect([UInt8]().lowercaseHex == "")
        #expect([0x00, 0x0f, 0x10, 0xa5, 0xff].lowercaseHex == "000f10a5ff")
        #expect((0...255).map { UInt8($0) }.lowercaseHex == (0...255).map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined())
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
