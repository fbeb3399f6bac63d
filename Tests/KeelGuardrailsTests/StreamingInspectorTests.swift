import KeelCore
import KeelGuardrails
import Testing

@Suite struct StreamingInspectorTests {
    static let engine = GuardEngine(rules: [GuardRule(check: "pii", action: .redact), GuardRule(check: "secrets", action: .block)])

    /// Feeds `pieces` to choice 0 and returns everything released.
    func run(_ pieces: [String], window: Int?) -> (text: String, releases: [StreamingInspector.Release]) {
        var inspector = StreamingInspector(engine: Self.engine, window: window)
        var releases = pieces.map { inspector.append($0, choice: 0) }
        releases.append(inspector.finish(choice: 0))
        return (releases.map(\.text).joined(), releases)
    }

    @Test func aCardCutAcrossChunksIsRedactedWhole() {
        let pieces = ["Your card is 4111 11", "11 1111 1111, thanks", " for asking. ", String(repeating: "More words. ", count: 10)]
        let (text, releases) = run(pieces, window: 32)
        #expect(text == "Your card is [CREDIT_CARD], thanks for asking. " + String(repeating: "More words. ", count: 10))
        #expect(!releases.map(\.text).joined().contains("4111"))
        let verdict = releases.flatMap(\.verdicts).first
        #expect(verdict?.finding.range == 13..<32)
        #expect(verdict?.location == "choices[0].delta.content")
    }

    @Test func textIsReleasedOnceTheWindowIsPassed() {
        var inspector = StreamingInspector(engine: Self.engine, window: 16)
        #expect(inspector.append("short", choice: 0).text == "")
        let release = inspector.append(" and then a longer sentence", choice: 0)
        #expect(release.text == "short and then a")
        #expect(inspector.finish(choice: 0).text == " longer sentence")
    }

    @Test func aBlockingFindingStopsBeforeAnyOfItIsReleased() {
        let key = "AKIAIOSFODNN7EXAMPLE"
        let pieces = ["Here it is, AKIAIO", "SFODNN7EXAMPLE and more text after it to pass the window"]
        let (text, releases) = run(pieces, window: 24)
        #expect(!text.contains("AKIA"))
        let blocked = releases.compactMap(\.blocking).map(\.finding.type)
        #expect(blocked == ["AWS_ACCESS_KEY"], "\(releases.map(\.text)) \(Self.engine.inspect(pieces.joined(), location: "x").verdicts)")
        #expect(!text.contains(key))
    }

    @Test func multibyteCharactersAreNeverSplit() {
        let (text, _) = run(["héllo wörld ", "ünïcödé ", "çà et là, ", "encore des mots"], window: 17)
        #expect(text == "héllo wörld ünïcödé çà et là, encore des mots")
    }

    @Test func withoutAWindowEverythingWaitsForTheEnd() {
        var inspector = StreamingInspector(engine: Self.engine, window: nil)
        #expect(inspector.append(String(repeating: "a", count: 1000), choice: 0).text.isEmpty)
        #expect(inspector.finish(choice: 0).text.count == 1000)
    }
}
