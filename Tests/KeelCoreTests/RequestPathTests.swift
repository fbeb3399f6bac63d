import Testing

@testable import KeelCore

@Suite struct RequestPathTests {
    @Test(arguments: [
        ("/v1/chat/completions", RequestPath.Outcome.unchanged),
        ("/v1/models?limit=2", .unchanged),
        ("/", .unchanged),
        ("*", .unchanged),
        ("//api/traces", .normalised("/api/traces")),
        ("/api//traces", .normalised("/api/traces")),
        ("/metrics/", .normalised("/metrics")),
        ("/./api/keys", .normalised("/api/keys")),
        ("/v1/../api/keys", .normalised("/api/keys")),
        ("/api/traces/.", .normalised("/api/traces")),
        ("/a/b/../../metrics?x=/../y", .normalised("/metrics?x=/../y")),
        ("/.well-known/thing", .normalised("/.well-known/thing")),
        ("/v1/files/file%20name", .normalised("/v1/files/file%20name")),
        ("//", .normalised("/")),
    ])
    func canonicalSpellings(target: String, outcome: RequestPath.Outcome) {
        #expect(RequestPath.normalise(target) == outcome)
    }

    @Test(arguments: ["/%2Fapi/traces", "/%2fapi/traces", "/v1/%2e%2e/api/keys", "/v1/%2E./api", "/api%5Ctraces", "/x%00", "/..", "/v1/../../api", "http://keel/api/traces", "api/traces", ""])
    func refusedSpellings(target: String) {
        guard case .refused(let reason) = RequestPath.normalise(target) else {
            Issue.record("\(target) was not refused")
            return
        }
        #expect(!reason.isEmpty)
    }
}
