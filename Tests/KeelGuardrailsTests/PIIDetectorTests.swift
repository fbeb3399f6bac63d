import KeelGuardrails
import Testing

@Suite struct PIIDetectorTests {
    private func types(_ text: String) -> [String] {
        PIIDetector().findings(in: text).map(\.type)
    }

    private func matched(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return PIIDetector().findings(in: text).map { String(decoding: bytes[$0.range], as: UTF8.self) }
    }

    @Test(arguments: [
        ("write to jane.doe+news@example.co.uk today", "jane.doe+news@example.co.uk", "EMAIL"),
        ("card 4111 1111 1111 1111 exp 12/29", "4111 1111 1111 1111", "CREDIT_CARD"),
        ("amex 3782-822463-10005.", "3782-822463-10005", "CREDIT_CARD"),
        ("pay with 5555555555554444", "5555555555554444", "CREDIT_CARD"),
        ("ssn: 123-45-6789", "123-45-6789", "US_SSN"),
        ("IBAN DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00", "IBAN"),
        ("iban GB82WEST12345698765432", "GB82WEST12345698765432", "IBAN"),
        ("call +1 415 555 2671", "+1 415 555 2671", "PHONE_NUMBER"),
        ("ring +44 20 7946 0958.", "+44 20 7946 0958", "PHONE_NUMBER"),
        ("phone (415) 555-2671 anytime", "(415) 555-2671", "PHONE_NUMBER"),
        ("us 415-555-2671", "415-555-2671", "PHONE_NUMBER"),
        ("uk 020 7946 0958", "020 7946 0958", "PHONE_NUMBER"),
        ("fr 01 23 45 67 89", "01 23 45 67 89", "PHONE_NUMBER"),
        ("host 192.168.1.20 is down", "192.168.1.20", "IP_ADDRESS"),
        ("v6 2001:db8::8a2e:370:7334 and", "2001:db8::8a2e:370:7334", "IP_ADDRESS"),
        ("loopback ::1 here", "::1", "IP_ADDRESS"),
    ])
    func findsEachKind(text: String, value: String, type: String) {
        let found = PIIDetector().findings(in: text)
        #expect(found.map(\.type) == [type], "\(text)")
        #expect(matched(text) == [value])
    }

    @Test(arguments: [
        "order #123456789012 shipped",
        "tracking 1Z999AA10123456784",
        "tracking number 9400111899223033005282",
        "upgrade to version 1.2.3 or 10.0.19041.1",
        "released 2026-11-25 at 12:30:45",
        "timestamp 2026-11-25T12:30:45Z",
        "id 123e4567-e89b-12d3-a456-426614174000",
        "card 4111 1111 1111 1112 fails Luhn",
        "invoice 1234 5678 9012 3456",
        "ssn-like 000-12-3456 and 666-12-3456",
        "mac 00:1a:2b:3c:4d:5e",
        "at 10:30 we meet; ratio 16:9",
        "email me at jane@localhost",
        "python3 -m pip install foo==2.31.0",
        "sha 3f786850e387550fdab836ed7e6dc881de23001b",
        "the year 2025 had 365 days and 8760 hours",
        "DE89 3704 0044 0532 0130 01 is a bad IBAN",
        "call 555 1234",
        "price 1.299.000 euros",
    ])
    func leavesHardNegativesAlone(text: String) {
        #expect(types(text).isEmpty, "\(text): \(matched(text))")
    }

    @Test func findsSeveralInOneText() {
        let text = "Mail a@b.io or c@d.org, card 4242424242424242, from 10.0.0.1"
        #expect(types(text) == ["EMAIL", "EMAIL", "CREDIT_CARD", "IP_ADDRESS"])
    }

    @Test func redactionReplacesSpansWithTypedPlaceholders() {
        let text = "Hi, I'm jane@example.com — card 4111-1111-1111-1111."
        let redacted = Redaction.redact(text, PIIDetector().findings(in: text))
        #expect(redacted == "Hi, I'm [EMAIL] — card [CREDIT_CARD].")
    }
}
