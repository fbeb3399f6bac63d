import Foundation
import FuzzSupport
import KeelCore

/// JSONValue.parse on any bytes: an error or a value, never a crash; a value re-encodes to a
/// document that parses to the same value; and the top-level members parsing records are the
/// ones `JSONSplice` scans for.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    guard let value = try? JSONValue.parse(bytes: input) else { return 0 }
    let encoded = value.encodedBytes()
    let reparsed: JSONValue
    do {
        reparsed = try encoded.withUnsafeBytes { bytes in try JSONValue.parse(bytes: bytes) }
    } catch {
        fatalError("Property broken: the encoding \(String(decoding: encoded, as: UTF8.self)) does not parse: \(error)")
    }
    Property.require(JSONSameness.same(value, reparsed), "\(value) re-parsed as \(reparsed)")
    Property.require(value.canonicalString() == reparsed.canonicalString(), "the canonical forms of \(value) and \(reparsed) differ")
    checkRecordedMembers(input, value)
    return 0
}

private func checkRecordedMembers(_ input: UnsafeRawBufferPointer, _ value: JSONValue) {
    var recorded: [JSONSplice.Member] = []
    guard (try? JSONValue.parse(Data(input), topLevelMembers: &recorded)) == value else {
        fatalError("Property broken: parsing while recording members gave another value than \(value)")
    }
    let scanned = value.objectValue == nil ? [] : JSONSplice.members(of: input)
    Property.require(recorded == scanned, "recorded members \(recorded), scanned \(String(describing: scanned))")
}

/// Equality of JSON documents as JSON means it: a number is a number, so `1.0` read as a double
/// and the `1` the writer makes of it (integral doubles are written as integers on purpose)
/// are the same value.
enum JSONSameness {
    static func same(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.int(let integer), .double(let double)), (.double(let double), .int(let integer)):
            return Double(exactly: integer) == double
        case (.array(let leftElements), .array(let rightElements)):
            return leftElements.count == rightElements.count && zip(leftElements, rightElements).allSatisfy { same($0, $1) }
        case (.object(let leftMembers), .object(let rightMembers)):
            return leftMembers.count == rightMembers.count
                && leftMembers.allSatisfy { key, value in rightMembers[key].map { same(value, $0) } ?? false }
        default:
            return left == right
        }
    }
}
