import Foundation
import KeelStore
import Testing

@testable import KeelGateway

@Suite struct DriftDetectorTests {
    func trace(_ model: String?, _ fingerprint: String?, status: String = "ok") -> Trace {
        Trace(
            id: UUID().uuidString, startedAt: Date(), latencyMs: 1, model: "m", provider: "p", upstreamModel: "gpt-4o",
            responseModel: model, systemFingerprint: fingerprint, status: status)
    }

    @Test func firstAnswerIsTheBaselineThenChangesAreEvents() {
        let detector = DriftDetector()
        #expect(detector.observe(trace("v1", "fp1")).isEmpty)
        #expect(detector.observe(trace("v1", "fp1")).isEmpty)
        #expect(detector.observe(trace("v1", nil)).isEmpty, "a missing fingerprint is not a change")
        #expect(detector.observe(trace("v1", "fp2")).map(\.kind) == ["system_fingerprint_changed"])
        #expect(detector.observe(trace("v2", "fp3")).map(\.kind) == ["model_version_changed", "system_fingerprint_changed"])
        #expect(detector.observe(trace("v9", "fp9", status: "api_error")).isEmpty, "failures say nothing of the version")
    }

    @Test func seededBaselineCatchesAChangeAcrossARestart() {
        let detector = DriftDetector()
        detector.seed([TargetVersion(provider: "p", upstreamModel: "gpt-4o", responseModel: "v1", systemFingerprint: nil)])
        let changed = trace("v2", nil)
        let events = detector.observe(changed)
        #expect(events.map(\.kind) == ["model_version_changed"])
        #expect(events.first?.detail == ["from": "v1", "to": "v2", "trace_id": .string(changed.id)])
    }
}
