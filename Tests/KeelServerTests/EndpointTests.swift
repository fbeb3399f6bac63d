import Foundation
import KeelCore
import Testing

/// Models, embeddings and the pass-through of parameters Keel does not own.
@Suite struct EndpointTests {
    static let models = """
          - {name: chat, targets: [{provider: up, model: echo}]}
          - {name: embed, targets: [{provider: up, model: text-embedding-3-small}]}
          - {name: embed-inproc, targets: [{provider: inproc, model: embedder}]}
          - {name: local, targets: [{provider: inproc, model: echo}]}
        """

    @Test func listsTheConfiguredModels() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let list = try await TestHTTP.get(harness.v1 + "/models")
        #expect(list.json?["object"] == "list")
        #expect(list.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["chat", "embed", "embed-inproc", "local"])
        let one = try await TestHTTP.get(harness.v1 + "/models/chat")
        #expect(one.json?["id"] == "chat")
        #expect(try await TestHTTP.get(harness.v1 + "/models/nope").status == 404)
    }

    @Test func embeddingsThroughAnUpstreamAndInProcess() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        for model in ["embed", "embed-inproc"] {
            let reply = try await TestHTTP.post(
                harness.v1 + "/embeddings", json: ["model": .string(model), "input": ["alpha", "beta"], "dimensions": 8])
            #expect(reply.status == 200, "\(reply.body)")
            let data = reply.json?["data"]?.arrayValue ?? []
            #expect(data.count == 2)
            #expect(data.first?["embedding"]?.arrayValue?.count == 8)
            #expect(reply.headers.first(name: "x-keel-trace-id") != nil)
        }
    }

    @Test func toolsAndUnknownParametersPassThrough() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let tools: JSONValue = [
            [
                "type": "function",
                "function": [
                    "name": "get_weather", "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]],
                ],
            ]
        ]
        for model in ["chat", "local"] {
            let reply = try await harness.chat(
                model, "weather in Paris?", extra: ["tools": tools, "some_future_parameter": ["x": 1], "response_format": ["type": "text"]])
            #expect(reply.status == 200)
            let call = reply.json?["choices"]?[0]?["message"]?["tool_calls"]?[0]
            #expect(call?["function"]?["name"] == "get_weather")
            #expect(call?["function"]?["arguments"] == #"{"city":"mock"}"#)
            #expect(reply.json?["choices"]?[0]?["finish_reason"] == "tool_calls")
        }
    }
}
