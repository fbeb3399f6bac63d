import Foundation
import Hummingbird
import KeelCore
import KeelMonitor

/// `GET /api/signals?window=5m&group_by=target` (admin): the monitor's live figures per scope,
/// from memory: requests by outcome (cancelled and rejected apart from failed), error and
/// refusal rates, a target's attempts (failovers and breaker skips included), latency and
/// time-to-first-token percentiles, tokens and cost per request, and each score's mean.
struct SignalRoutes {
    let book: SignalBook

    func register(on routes: AccessGroup) {
        routes.get("/api/signals") { request, _ in
            let parameters = request.uri.queryParameters
            var window: TimeInterval = 300
            if let text = parameters["window"].map(String.init) {
                guard let seconds = TimeText.duration(text) else {
                    throw KeelError.invalidRequest(
                        "Invalid value for 'window': '\(text)'. Expected 1 to 99999 seconds, minutes, hours or days, such as 90s, 5m, 1h.",
                        param: "window", code: "invalid_value")
                }
                // The monitor keeps its horizon (an hour or more): a longer window is cut to it,
                // as `window_seconds` says (`/api/stats` reads the store for longer ones).
                window = min(seconds, book.settings.horizon)
            }
            let dimension =
                try QueryValue.oneOf(parameters["group_by"], "group_by", SignalDimension.allCases.map(\.rawValue)).flatMap(
                    SignalDimension.init(rawValue:))
                ?? .none
            let rows = book.figures(groupBy: dimension, window: window).map { row -> JSONValue in
                var object = row.figures.json.objectValue ?? [:]
                object["key"] = .string(row.key)
                return .object(object)
            }
            return Response.json([
                "object": "list", "window_seconds": .double(window), "group_by": .string(dimension.rawValue), "data": .array(rows),
            ])
        }
    }
}
