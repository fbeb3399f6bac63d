import Hummingbird
import KeelCore

extension Response {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        .json(encoded: ByteBuffer(string: value.encodedString()), status: status, headers: headers)
    }

    /// A JSON body already encoded.
    static func json(encoded: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: encoded))
    }

    /// An OpenAI-style error: `{"error": {"message", "type", "param", "code"}}`.
    static func error(_ error: KeelError, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        if let retryAfter = error.retryAfter {
            headers[.retryAfter] = String(Int(retryAfter.rounded(.up)))
        }
        return .json(error.body, status: HTTPResponse.Status(code: error.status), headers: headers)
    }
}
