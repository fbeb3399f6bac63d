import Foundation
import KeelCore
import KeelProviders
import KeelStore
import Testing

@testable import KeelGateway

/// What the incident layer's overrides do to a model's chain and a key's limits, and how they end.
@Suite struct TrafficOverridesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let model = ModelConfig(
        name: "smart", targets: [TargetConfig(provider: "up", model: "gpt"), TargetConfig(provider: "alt", model: "claude")])
    static let key = APIKey(id: "key_ci", name: "ci", hash: "h", prefix: "sk-keel-ci", rpm: 600)

    static func routed(_ overrides: TrafficOverrides, keyID: String? = "key_ci", at time: Date = now) -> ModelConfig {
        var model = Self.model
        overrides.apply(to: &model, keyID: keyID, now: time)
        return model
    }

    @Test func ejectionDemotionAndClampChangeTheChainUntilLiftedOrEnded() {
        let overrides = TrafficOverrides()
        #expect(Self.routed(overrides) == Self.model)
        overrides.set(.eject(target: "up/gpt"), id: "act_1", until: Self.now.addingTimeInterval(60))
        #expect(Self.routed(overrides).targets.map(TrafficOverrides.key) == ["alt/claude"])
        overrides.set(.eject(target: "alt/claude"), id: "act_2", until: Self.now.addingTimeInterval(60))
        #expect(Self.routed(overrides).targets.map(TrafficOverrides.key) == ["alt/claude"], "never the chain's last target")
        #expect(overrides.lift(id: "act_1") && overrides.lift(id: "act_2") && !overrides.lift(id: "act_2"))

        overrides.set(.demote(target: "up/gpt", model: "smart"), id: "act_3", until: Self.now.addingTimeInterval(60))
        overrides.set(.clamp(keyID: "key_ci", maxOutputTokens: 128), id: "act_4", until: Self.now.addingTimeInterval(30))
        let routed = Self.routed(overrides)
        #expect(routed.targets.map(TrafficOverrides.key) == ["alt/claude", "up/gpt"] && routed.maxOutputTokens == 128)
        #expect(Self.routed(overrides, keyID: "key_other").maxOutputTokens == nil, "a clamp holds one key")
        let later = Self.routed(overrides, at: Self.now.addingTimeInterval(45))
        #expect(later.maxOutputTokens == nil && later.targets.first?.provider == "alt", "the clamp ended, the demotion holds")
        #expect(Self.routed(overrides, at: Self.now.addingTimeInterval(61)) == Self.model)
    }

    @Test func aThrottleHoldsOneKeyToFewerRequestsAMinute() {
        let overrides = TrafficOverrides()
        #expect(overrides.limited(Self.key)?.rpm == 600)
        overrides.set(.throttle(keyID: "key_ci", rpm: 60), id: "act_5", until: Self.now.addingTimeInterval(60))
        #expect(overrides.limited(Self.key, now: Self.now)?.rpm == 60)
        var unlimited = Self.key
        unlimited.rpm = nil
        #expect(overrides.limited(unlimited, now: Self.now)?.rpm == 60, "a key without a limit gets the throttle's")
        var other = Self.key
        other.id = "key_other"
        #expect(overrides.limited(other, now: Self.now)?.rpm == 600)
        #expect(overrides.limited(nil, now: Self.now) == nil)
        #expect(overrides.limited(Self.key, now: Self.now.addingTimeInterval(61))?.rpm == 600)
    }

    @Test func aThrottledKeyIsRefusedPastItsRateByTheGatewayUntilLifted() async throws {
        let config = try ConfigLoader.parse(
            yaml: """
                providers:
                  - {name: local, kind: mock}
                models:
                  - {name: chat, targets: [{provider: local, model: echo}]}
                """)
        let gateway = Gateway(config: config, providers: ["local": MockProvider(name: "local")])
        var unlimited = Self.key
        unlimited.rpm = nil
        func call() async -> String? {
            var request = IncomingRequest(
                body: (["model": "chat", "messages": [["role": "user", "content": "hi"]]] as JSONValue).encoded(), headers: [:])
            request.apiKey = unlimited
            do {
                _ = try await gateway.chatCompletion(request)
                return nil
            } catch {
                return error.error.code
            }
        }
        gateway.overrides.set(.throttle(keyID: "key_ci", rpm: 2), id: "act_6", until: Date().addingTimeInterval(60))
        #expect(await call() == nil)
        #expect(await call() == nil)
        #expect(await call() == "rpm_exceeded")
        gateway.overrides.lift(id: "act_6")
        #expect(await call() == nil, "lifted: the key has no limit of its own")
    }
}
