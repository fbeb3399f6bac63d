import Foundation
import Hummingbird
import KeelCore
import KeelStore

/// Events (admin): `GET /api/events[?since=&limit=]`, newest first: what Keel noticed (drift,
/// budget alerts, label moves, rollout steps, reloads); `POST /api/events` records a change made
/// outside Keel (an application deploy, an infrastructure change) so that the monitor's
/// correlation weighs it with the rest: `{"kind": "deploy", "title"?, "at"?, "model"?,
/// "target"?, "prompt"?, "key"?, "team"?, "detail"?}`.
struct EventRoutes {
    let store: any TraceStore
    let maxBodyBytes: Int

    /// Kinds only Keel records: an external caller cannot pass for a model version change.
    static let reservedKinds: Set<String> = [
        "model_version_changed", "system_fingerprint_changed", "budget_alert", "prompt_label_moved", "prompt_label_forced", "rollout_started",
        "rollout_step", "rollout_promoted", "rollout_aborted", "eval_quality_drop", "config_reloaded",
    ]
    static let scopeKeys = ["model", "target", "prompt", "key", "team"]
    static let keys = ["kind", "title", "at", "detail", "source"] + scopeKeys

    func register(on routes: AccessGroup) {
        routes.get("/api/events") { request, _ in
            let parameters = request.uri.queryParameters
            let since = try parameters["since"].map { try TraceQueryParameters.date(String($0), param: "since") }
            let limit = try QueryValue.integer(parameters["limit"], "limit", in: 1...1000) ?? 100
            let events = try await store.events(since: since, limit: limit)
            return Response.json(["data": .array(events.map(\.json))])
        }
        routes.post("/api/events") { request, _ in
            let event = try Self.event(from: try await AdminBody.object(request, limit: maxBodyBytes))
            try await store.recordEvent(event)
            return Response.json(event.json, status: .created)
        }
    }

    static func event(from body: JSONObject, now: Date = Date()) throws(KeelError) -> StoredEvent {
        for key in body.keys.sorted() where !keys.contains(key) {
            throw KeelError.invalidRequest(
                "Unrecognized field '\(key)'; an event has \(keys.joined(separator: ", ")).", param: key, code: "unknown_parameter")
        }
        guard let kind = try AdminBody.optionalString(body, "kind"), isKind(kind) else {
            throw KeelError.invalidRequest(
                "'kind' is required: a lower-case name like 'deploy' (letters, digits, '_', '.', '-'; at most 64).", param: "kind",
                code: "invalid_value")
        }
        guard !reservedKinds.contains(kind) else {
            throw KeelError.invalidRequest(
                "The kind '\(kind)' is recorded by Keel itself; name the change another way.", param: "kind", code: "reserved_kind")
        }
        var at = now
        if let text = try AdminBody.optionalString(body, "at") {
            guard let date = try? TraceQueryParameters.date(text, param: "at") else {
                throw KeelError.invalidRequest(
                    "'at' must be a time: RFC 3339, unix seconds, or a duration ago such as 10m.", param: "at", code: "invalid_value")
            }
            at = date
        }
        var detail: JSONObject = [:]
        if let extra = body["detail"], extra != .null {
            guard let object = extra.objectValue else {
                throw KeelError.invalidRequest("'detail' must be an object.", param: "detail", code: "invalid_type")
            }
            detail = object
        }
        for key in scopeKeys + ["title"] {
            if let value = try AdminBody.optionalString(body, key) { detail[key] = .string(value) }
        }
        detail["source"] = .string(try AdminBody.optionalString(body, "source") ?? "api")
        return StoredEvent(createdAt: at, kind: kind, provider: nil, upstreamModel: nil, detail: .object(detail))
    }

    private static func isKind(_ text: String) -> Bool {
        guard let first = text.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), text.utf8.count <= 64 else { return false }
        return text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
    }
}
