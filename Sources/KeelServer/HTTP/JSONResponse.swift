import Hummingbird
import KeelCore
import NIOHTTP1

extension DirectResponse {
    static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:]) -> DirectResponse {
        .json(encoded: ByteBuffer(bytes: value.encodedBytes()), status: status, headers: headers)
    }

    /// A JSON body already encoded.
    static func json(encoded: ByteBuffer, status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:]) -> DirectResponse {
        var headers = headers
        headers.set("content-type", to: "application/json")
        return DirectResponse(status: status, headers: headers, body: .whole(encoded))
    }

    /// An OpenAI-style error: `{"error": {"message", "type", "param", "code"}}`.
    static func error(_ error: KeelError, headers: HTTPHeaders = [:]) -> DirectResponse {
        var headers = headers
        if let retryAfter = error.retryAfter {
            headers.set("retry-after", to: String(Int(retryAfter.rounded(.up))))
        }
        return .json(error.body, status: HTTPResponseStatus(statusCode: error.status), headers: headers)
    }
}

extension Response {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        .json(encoded: ByteBuffer(bytes: value.encodedBytes()), status: status, headers: headers)
    }

    /// A JSON body already encoded.
    static func json(encoded: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: encoded))
    }

    static func error(_ error: KeelError, headers: HTTPFields = [:]) -> Response {
        var response = DirectResponse.error(error).response
        response.headers.append(contentsOf: headers)
        return response
    }
}
