import KeelCore
import Testing

@Suite struct ServerSentEventParserTests {
    @Test func parsesEventsSplitAcrossReads() {
        var parser = ServerSentEventParser()
        let text = "event: message_start\ndata: {\"a\":\r\n\r\n: comment\ndata: one\ndata: two\n\nid: 7\ndata:x\n\n"
        var events: [ServerSentEvent] = []
        for byte in text.utf8 { events += parser.feed([byte]) }
        #expect(
            events == [
                ServerSentEvent(event: "message_start", data: "{\"a\":"),
                ServerSentEvent(data: "one\ntwo"),
                ServerSentEvent(data: "x", id: "7"),
            ])
    }

    @Test func parsesTheSameEventsFromOneReadOrAnySplit() {
        let text = "event: message_start\ndata: {\"a\":\r\n\r\n: comment\rdata: one\ndata: two\n\nid: 7\ndata:x\n\ndata: é🙂\r\r"
        let expected = [
            ServerSentEvent(event: "message_start", data: "{\"a\":"),
            ServerSentEvent(data: "one\ntwo"),
            ServerSentEvent(data: "x", id: "7"),
            ServerSentEvent(data: "é🙂", id: "7"),
        ]
        var whole = ServerSentEventParser()
        #expect(whole.feed(Array(text.utf8)) == expected)
        let bytes = Array(text.utf8)
        for split in 1..<bytes.count {
            var parser = ServerSentEventParser()
            let events = parser.feed(bytes[..<split]) + parser.feed(bytes[split...])
            #expect(events == expected, "split at \(split)")
        }
    }

    @Test func finishFlushesAnEventWithoutTrailingBlankLine() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data: [DONE]".utf8)).isEmpty)
        #expect(parser.finish() == ServerSentEvent(data: "[DONE]"))
    }

    @Test func encodesMultilineData() {
        #expect(ServerSentEvent(event: "e", data: "a\nb").encoded() == "event: e\ndata: a\ndata: b\n\n")
    }
}

@Suite struct ServerSentEventParserRegressionTests {
    /// Found by the FuzzSSE fuzzer: an empty read between a `\r` and its `\n` forgot the `\r`,
    /// so the `\n` ended a second, empty line and dispatched the event early, splitting it.
    @Test func anEmptyReadBetweenCarriageReturnAndLineFeedChangesNothing() {
        let reads: [[UInt8]] = [Array("data: one\r".utf8), [], Array("\ndata: two\n\n".utf8)]
        var parser = ServerSentEventParser()
        let events = reads.flatMap { parser.feed($0) }
        #expect(events == [ServerSentEvent(data: "one\ntwo")])
        #expect(parser.finish() == nil)
    }
}
