import Foundation
import Hummingbird
import KeelCore
import KeelMonitor
import KeelStore

/// Scores on traces, shaped as Langfuse's: `POST /api/scores` records one, `GET /api/scores`
/// lists them. An API key scores and sees only the traces made with it (another key's trace is
/// not found, like a missing one); the admin key, and any caller while no key exists, every trace.
struct ScoreRoutes {
    let store: any TraceStore & ScoreStore
    /// The monitor's signals: a numeric or boolean score joins its trace's scopes.
    let signals: SignalBook
    let maxBodyBytes: Int

    func register(on routes: AccessGroup) {
        routes.post("/api/scores") { request, context in
            var request = request
            let data = try await request.collectBody(limit: maxBodyBytes)
            let body: JSONValue
            do throws(JSONParseError) {
                body = try JSONValue.parse(data)
            } catch {
                throw KeelError.invalidRequest("We could not parse the JSON body of your request: \(error.message)", code: "invalid_json")
            }
            var score = try Self.score(from: body, owner: context.caller.apiKey.map(ObjectOwner.init))
            guard let trace = try await store.trace(id: score.traceID), Self.admits(context.caller, trace: trace) else {
                throw Self.traceNotFound(score.traceID)
            }
            score.createdAt = Date()
            try await store.insertScore(score)
            if let value = score.value { signals.recordScore(score.name, value: value, scopes: RequestSignal.scopes(of: trace)) }
            return Response.json(score.json, status: .created)
        }
        routes.get("/api/scores") { request, context in
            let parameters = request.uri.queryParameters
            func text(_ key: String) -> String? { parameters[Substring(key)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
            var query = ScoreQuery()
            query.traceID = text("trace_id")
            query.name = text("name")
            query.source = try QueryValue.oneOf(parameters["source"], "source", Score.Source.allCases.map(\.rawValue)).flatMap(
                Score.Source.init(rawValue:))
            query.since = try parameters["since"].map { try TraceQueryParameters.date(String($0), param: "since") }
            query.limit = try QueryValue.integer(parameters["limit"], "limit", in: 1...1000) ?? query.limit
            query.traceKeyID = context.caller.apiKey?.id
            let scores = try await store.scores(query)
            return Response.json(["object": "list", "data": .array(scores.map(\.json))])
        }
    }

    /// Whether `caller` may see and score `trace`: the key that made it, or the admin key.
    static func admits(_ caller: Caller, trace: Trace) -> Bool {
        guard let key = caller.apiKey else { return true }
        return trace.apiKeyID == key.id
    }

    static func traceNotFound(_ id: String) -> KeelError {
        KeelError(status: 404, type: "invalid_request_error", message: "No trace has the id '\(id)'.", param: "trace_id", code: "trace_not_found")
    }

    static let maxNameLength = 200
    static let maxCommentLength = 10_000
    static let maxStringValueLength = 1_000

    /// The score a request body describes, before its trace is checked; a 400 naming the
    /// parameter for anything wrong.
    static func score(from body: JSONValue, owner: ObjectOwner?) throws -> Score {
        guard let object = body.objectValue else {
            throw KeelError.invalidRequest("The request body must be a JSON object.", code: "invalid_type")
        }
        func required(_ key: String) throws -> JSONValue {
            guard let value = object[key], !value.isNull else {
                throw KeelError.invalidRequest("Missing required parameter: '\(key)'.", param: key, code: "missing_required_parameter")
            }
            return value
        }
        func string(_ key: String, _ value: JSONValue) throws -> String {
            guard let text = value.stringValue else {
                throw KeelError.invalidRequest("Invalid type for '\(key)': expected a string.", param: key, code: "invalid_type")
            }
            return text
        }
        func invalid(_ key: String, _ message: String) -> KeelError {
            KeelError.invalidRequest("Invalid value for '\(key)': \(message)", param: key, code: "invalid_value")
        }
        let traceID = try string("trace_id", try required("trace_id"))
        guard !traceID.isEmpty else { throw invalid("trace_id", "expected a trace id.") }
        let name = try string("name", try required("name"))
        guard !name.isEmpty, name.count <= maxNameLength, name.unicodeScalars.allSatisfy(Self.nameCharacters.contains) else {
            throw invalid("name", "expected 1 to 200 letters, digits, spaces or . _ - : /")
        }
        let value = try required("value")
        let dataType: Score.DataType
        if let given = object["data_type"], !given.isNull {
            guard let text = given.stringValue, let parsed = Score.DataType(rawValue: text) else {
                throw invalid("data_type", "expected numeric, boolean or categorical.")
            }
            dataType = parsed
        } else {
            switch value {
            case .int, .double: dataType = .numeric
            case .bool: dataType = .boolean
            case .string: dataType = .categorical
            default:
                throw KeelError.invalidRequest(
                    "Invalid type for 'value': expected a number, a boolean or a string.", param: "value", code: "invalid_type")
            }
        }
        var number: Double?
        var stringValue: String?
        switch dataType {
        case .numeric:
            guard let double = value.doubleValue else {
                throw KeelError.invalidRequest("Invalid type for 'value': a numeric score takes a number.", param: "value", code: "invalid_type")
            }
            guard double.isFinite else { throw invalid("value", "expected a finite number.") }
            number = double
        case .boolean:
            if let bool = value.boolValue {
                number = bool ? 1 : 0
            } else if let double = value.doubleValue, double == 0 || double == 1 {
                number = double
            } else {
                throw invalid("value", "a boolean score takes true, false, 0 or 1.")
            }
        case .categorical:
            guard let text = value.stringValue else {
                throw KeelError.invalidRequest("Invalid type for 'value': a categorical score takes a string.", param: "value", code: "invalid_type")
            }
            guard !text.isEmpty, text.count <= maxStringValueLength else { throw invalid("value", "expected 1 to 1000 characters.") }
            stringValue = text
        }
        let source: Score.Source
        if let given = object["source"], !given.isNull {
            let text = try string("source", given)
            guard let parsed = Score.Source(rawValue: text) else { throw invalid("source", "expected api or annotation.") }
            guard parsed != .eval else { throw invalid("source", "'eval' is reserved for Keel's own evaluations; use api or annotation.") }
            source = parsed
        } else {
            source = .api
        }
        var comment: String?
        if let given = object["comment"], !given.isNull {
            let text = try string("comment", given)
            guard text.count <= maxCommentLength else { throw invalid("comment", "expected at most 10000 characters.") }
            comment = text
        }
        return Score(
            traceID: traceID, name: name, value: number, stringValue: stringValue, dataType: dataType, source: source, comment: comment,
            owner: owner)
    }

    static let nameCharacters: CharacterSet = {
        var set = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        set.insert(charactersIn: " ._-:/")
        return set
    }()
}
