import KeelGuardrails
import Testing

@Suite struct SecretsDetectorTests {
    private func found(_ text: String) -> [(String, String)] {
        let bytes = Array(text.utf8)
        return SecretsDetector().findings(in: text).map { ($0.type, String(decoding: bytes[$0.range], as: UTF8.self)) }
    }

    @Test(arguments: [
        ("key sk-proj-4fG7hK2mN9pQ3rS8tV1wX6yZ0aB5cD7e", "OPENAI_KEY", "sk-proj-4fG7hK2mN9pQ3rS8tV1wX6yZ0aB5cD7e"),
        ("sk-ant-api03-AbCdEf123456GhIjKl789012MnOpQr345678StUv", "ANTHROPIC_KEY", "sk-ant-api03-AbCdEf123456GhIjKl789012MnOpQr345678StUv"),
        ("aws AKIAIOSFODNN7EXAMPLE.", "AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
        ("ghp_1A2b3C4d5E6f7G8h9I0j1K2l3M4n5O6p7Q8r", "GITHUB_TOKEN", "ghp_1A2b3C4d5E6f7G8h9I0j1K2l3M4n5O6p7Q8r"),
        ("slack xoxb-123456789012-abcdefGHIJKL", "SLACK_TOKEN", "xoxb-123456789012-abcdefGHIJKL"),
        ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "STRIPE_KEY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ("google AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "GOOGLE_API_KEY", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"),
        (
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        ),
        ("export API_KEY=\"Zq8xV2nR7tY4wK1mP9sD3fG6hJ0lB5cX\"", "SECRET", "Zq8xV2nR7tY4wK1mP9sD3fG6hJ0lB5cX"),
        ("{\"token\": \"a8F3kL9pQ2zX7vB4nM6wR1tY5uI0oE3s\"}", "SECRET", "a8F3kL9pQ2zX7vB4nM6wR1tY5uI0oE3s"),
    ])
    func findsEachKind(text: String, type: String, value: String) {
        let result = found(text)
        #expect(result.map(\.0) == [type], "\(text)")
        #expect(result.map(\.1) == [value])
    }

    @Test func findsPrivateKeyBlocksWhole() {
        let text = "config:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1b2c3\nabc==\n-----END RSA PRIVATE KEY-----\nrest"
        let result = found(text)
        #expect(result.map(\.0) == ["PRIVATE_KEY"])
        #expect(result.first?.1.hasSuffix("-----END RSA PRIVATE KEY-----") == true)
        #expect(Redaction.redact(text, SecretsDetector().findings(in: text)) == "config:\n[PRIVATE_KEY]\nrest")
    }

    @Test(arguments: [
        "ask for sk-this-is-not-a-key-at-all please",
        "the task-1234 is done",
        "password: hunter2",
        "token: the-same-value-value-value",
        "AKIA is a prefix",
        "eyJ alone is not a token",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----",
        "risk-averse desk-based skills",
        "key: aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ])
    func leavesHardNegativesAlone(text: String) {
        #expect(found(text).isEmpty, "\(text): \(found(text))")
    }
}
