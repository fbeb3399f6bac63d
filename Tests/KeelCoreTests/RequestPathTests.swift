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
        ("/.well-known/thing", .unchanged),
        ("/v1/files/file%20name", .unchanged),
        ("/.../x", .unchanged),
        ("/a/..b/c.", .unchanged),
        ("/.well-known/x/..", .normalised("/.well-known")),
        ("/a//\u{301}b", .normalised("/a/\u{301}b")),
        ("/a/./\u{301}", .normalised("/a/\u{301}")),
        ("//", .normalised("/")),
    ])
    func canonicalSpellings(target: String, outcome: RequestPath.Outcome) {
        #expect(RequestPath.normalise(target) == outcome)
    }

    /// Found by the FuzzHTTPHead fuzzer: a target made canonical must stay canonical, but a
    /// segment starting with a dot and any percent escape made the path look non-canonical, so
    /// `/.well-known` and `/v1/files/file%20name` were "normalised" to themselves, every time.
    @Test(arguments: ["/.well-known/x/..", "/v1/files/a%20b/", "//.x//", "/a/b/../.c?q=/../", "/a//\u{301}b", "/%41/./b"])
    func aNormalisedTargetIsCanonical(target: String) {
        guard case .normalised(let canonical) = RequestPath.normalise(target) else {
            Issue.record("\(target) was not normalised")
            return
        }
        #expect(RequestPath.normalise(canonical) == .unchanged, "\(canonical)")
    }

    @Test(arguments: [
        "/%2Fapi/traces", "/%2fapi/traces", "/v1/%2e%2e/api/keys", "/v1/%2E./api", "/api%5Ctraces", "/x%00", "/..", "/v1/../../api",
        "http://keel/api/traces", "api/traces", "",
    ])
    func refusedSpellings(target: String) {
        guard case .refused(let reason) = RequestPath.normalise(target) else {
            Issue.record("\(target) was not refused")
            return
        }
        #expect(!reason.isEmpty)
    }
}
