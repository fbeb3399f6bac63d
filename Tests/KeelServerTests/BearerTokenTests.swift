import Testing

@testable import KeelServer

/// How a request's credentials are read from its headers, before any key is looked up.
@Suite struct BearerTokenTests {
    @Test(arguments: [
        ("Bearer sk-keel-abc", "sk-keel-abc"),
        ("bearer sk-keel-abc", "sk-keel-abc"),
        ("BEARER sk-keel-abc", "sk-keel-abc"),
        ("  Bearer \t sk-keel-abc \t ", "sk-keel-abc"),
        ("Bearer sk-keel-a b", "sk-keel-a b"),
    ])
    func theTokenOfABearerHeaderIsReadWhateverTheCaseAndSpacing(header: String, token: String) {
        #expect(KeyAuthenticator.bearer(authorization: header, apiKey: nil) == token)
    }

    @Test(arguments: ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Bearers sk-keel-abc", "Bear sk-keel-abc", "sk-keel-abc", "", "B\u{e9}arer x"])
    func aHeaderThatIsNotABearerTokenGivesNone(header: String) {
        #expect(KeyAuthenticator.bearer(authorization: header, apiKey: nil) == nil)
        #expect(KeyAuthenticator.bearer(authorization: header, apiKey: "azure-key") == "azure-key")
    }

    @Test func anAzureStyleKeyIsReadWhenThereIsNoAuthorization() {
        #expect(KeyAuthenticator.bearer(authorization: nil, apiKey: "azure-key") == "azure-key")
        #expect(KeyAuthenticator.bearer(authorization: "Bearer sk-keel-abc", apiKey: "azure-key") == "sk-keel-abc")
    }
}
