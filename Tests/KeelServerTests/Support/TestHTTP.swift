import AsyncHTTPClient
import Foundation
import KeelCore
import NIOCore
import NIOHTTP1

/// A small HTTP client for end-to-end tests.
enum TestHTTP {
    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var json: JSONValue? { try? JSONValue.parse(body) }
    }

    static func request(
        _ method: HTTPMethod, _ url: String, body: String? = nil, headers: [String: String] = [:], timeout: Duration = .seconds(30)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(timeout.components.seconds * 1000)))
        let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: buffer))
    }

    static func post(_ url: String, json: JSONValue, headers: [String: String] = [:]) async throws -> Reply {
        try await request(.POST, url, body: json.encodedString(), headers: headers)
    }

    static func get(_ url: String, headers: [String: String] = [:]) async throws -> Reply {
        try await request(.GET, url, headers: headers)
    }

    /// The `data:` payloads of a server-sent event stream, read to its end.
    static func streamEvents(_ url: String, json: JSONValue, headers: [String: String] = [:]) async throws -> (Reply, [String]) {
        let reply = try await post(url, json: json, headers: headers)
        let events = reply.body.components(separatedBy: "\n\n").compactMap { block -> String? in
            let lines = block.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { $0.dropFirst(6) }
            return lines.isEmpty ? nil : lines.joined(separator: "\n")
        }
        return (reply, events)
    }
}

extension TestHTTP {
    /// A `multipart/form-data` upload, as the OpenAI SDKs send files.
    static func postMultipart(
        _ url: String, fields: [String: String], file: (name: String, filename: String, content: String), headers: [String: String] = [:]
    ) async throws -> Reply {
        let boundary = "keel-test-\(UUID().uuidString)"
        var body = ""
        for (name, value) in fields {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        body +=
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: application/jsonl\r\n\r\n\(file.content)\r\n--\(boundary)--\r\n"
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "multipart/form-data; boundary=\(boundary)")
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: buffer))
    }
}
