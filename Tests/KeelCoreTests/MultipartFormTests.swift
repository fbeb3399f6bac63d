import Foundation
import KeelCore
import Testing

@Suite struct MultipartFormTests {
    /// A body as the OpenAI Python SDK (httpx) sends an upload: a field, then a file.
    static let sdkBody = """
        --a1b2c3\r
        Content-Disposition: form-data; name="purpose"\r
        \r
        batch\r
        --a1b2c3\r
        Content-Disposition: form-data; name="file"; filename="requests.jsonl"\r
        Content-Type: application/octet-stream\r
        \r
        {"custom_id":"1"}
        {"custom_id":"2"}
        \r
        --a1b2c3--\r

        """

    @Test func readsFieldsAndFilesAsTheSDKSendsThem() throws {
        let form = try MultipartForm(contentType: "multipart/form-data; boundary=a1b2c3", body: Data(Self.sdkBody.utf8))
        #expect(form.value("purpose") == "batch")
        #expect(form.file("file")?.filename == "requests.jsonl")
        #expect(form.file("file")?.data == Data("{\"custom_id\":\"1\"}\n{\"custom_id\":\"2\"}\n".utf8))
        #expect(form.value("file") == nil && form.file("purpose") == nil)
    }

    @Test(arguments: [
        "multipart/form-data; boundary=a1b2c3", "multipart/form-data; boundary=\"a1b2c3\"", "Multipart/Form-Data;BOUNDARY=a1b2c3",
        "multipart/form-data; charset=utf-8; boundary=\"a1b2c3\"; x=y",
    ])
    func acceptsQuotedAndUnquotedBoundaries(contentType: String) throws {
        #expect(try MultipartForm(contentType: contentType, body: Data(Self.sdkBody.utf8)).value("purpose") == "batch")
    }

    @Test func quotedBoundariesMayHoldSpacesAndSeparators() throws {
        let body = "--a b;c=d\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--a b;c=d--\r\n"
        #expect(try MultipartForm(contentType: "multipart/form-data; boundary=\"a b;c=d\"", body: Data(body.utf8)).value("k") == "v")
    }

    @Test(arguments: [
        ("application/json", "multipart/form-data"), ("multipart/form-data", "no boundary"), ("multipart/form-data; boundary=", "no boundary"),
        ("multipart/form-data; boundary=\"\"", "no boundary"), ("multipart/form-data; boundary=" + String(repeating: "x", count: 71), "1 to 70"),
        ("multipart/form-data; boundary=\"ends in space \"", "1 to 70"), ("multipart/form-data; boundary=\"tab\there\"", "1 to 70"),
        ("multipart/mixed; boundary=a1b2c3", "multipart/form-data"),
    ])
    func refusesAMissingOrBadBoundaryClearly(contentType: String, reason: String) {
        let error = #expect(throws: KeelError.self) { try MultipartForm(contentType: contentType, body: Data(Self.sdkBody.utf8)) }
        #expect(error?.status == 400)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "no error") should mention \(reason)")
    }

    @Test func refusesABodyWithoutTheBoundaryItsContentTypeNames() {
        let error = #expect(throws: KeelError.self) {
            try MultipartForm(contentType: "multipart/form-data; boundary=other", body: Data(Self.sdkBody.utf8))
        }
        #expect(error?.message.contains("does not contain the boundary") == true)
    }

    @Test func refusesAPartWithoutItsClosingDelimiterRatherThanDroppingIt() {
        let truncated =
            "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--b\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n\r\n{\"custom_id\":\"1\"}\n"
        let error = #expect(throws: KeelError.self) { try MultipartForm(contentType: "multipart/form-data; boundary=b", body: Data(truncated.utf8)) }
        #expect(error?.message.contains("closing boundary") == true)
        #expect(error?.code == "invalid_multipart")
    }

    @Test(arguments: [
        ("--b\r\nContent-Disposition: form-data; name=\"k\"\r\nv\r\n--b--\r\n", "no empty line after its headers"),
        ("--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--\r\n", "Content-Disposition"),
        ("--b\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nv\r\n--b--\r\n", "Content-Disposition"),
        ("--b\r\n--b--\r\n", "no empty line"), ("--b--\r\n", "no parts"),
    ])
    func refusesMalformedPartsClearly(body: String, reason: String) {
        let error = #expect(throws: KeelError.self) { try MultipartForm(contentType: "multipart/form-data; boundary=b", body: Data(body.utf8)) }
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "no error") should mention \(reason)")
    }

    @Test func readsBareLineFeedsAsWellAsCRLF() throws {
        let crlf = try MultipartForm(contentType: "multipart/form-data; boundary=a1b2c3", body: Data(Self.sdkBody.utf8))
        let lf = try MultipartForm(
            contentType: "multipart/form-data; boundary=a1b2c3", body: Data(Self.sdkBody.replacingOccurrences(of: "\r\n", with: "\n").utf8))
        #expect(lf.value("purpose") == "batch")
        #expect(lf.file("file") == crlf.file("file"))
    }

    @Test func keepsContentLineBreaksAndSkipsPreambleAndEpilogue() throws {
        let body = "preamble\r\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n\r\nline\r\n\r\n--b--\r\nepilogue"
        let form = try MultipartForm(contentType: "multipart/form-data; boundary=b", body: Data(body.utf8))
        #expect(form.file("f")?.data == Data("\r\nline\r\n".utf8))
    }

    @Test func aBoundaryInsideContentThatIsNotADelimiterStaysContent() throws {
        let body = "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx --b y\r\n--bz\r\n--b--x\r\n--b--\r\n"
        let form = try MultipartForm(contentType: "multipart/form-data; boundary=b", body: Data(body.utf8))
        #expect(form.value("f") == "x --b y\r\n--bz")
    }

    @Test(arguments: [
        ("filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.jsonl", "naïve résumé.jsonl"),
        ("filename=\"fallback.jsonl\"; filename*=utf-8'en'%E2%82%AC.jsonl", "€.jsonl"),
        ("filename*=UTF-8''%E2%82%AC.jsonl; filename=\"fallback.jsonl\"", "€.jsonl"),
        ("filename*=iso-8859-1''caf%E9.txt", "café.txt"),
        ("filename=\"fallback.jsonl\"; filename*=UTF-8''%FF%FE", "fallback.jsonl"),
        ("filename=\"fallback.jsonl\"; filename*=UTF-8''%G1", "fallback.jsonl"),
        ("filename=\"a;b=c.jsonl\"", "a;b=c.jsonl"), ("filename=\"say \\\"hi\\\".txt\"", "say \"hi\".txt"),
        ("filename=\"C:\\\\data\\\\in.jsonl\"", "C:\\data\\in.jsonl"), ("filename=plain.jsonl", "plain.jsonl"),
        ("filename=\"résumé.jsonl\"", "résumé.jsonl"), ("filename=\"\"", ""),
    ])
    func readsFilenamesInEveryFormClientsSend(parameters: String, filename: String) throws {
        let body = "--b\r\nContent-Disposition: form-data; name=\"file\"; \(parameters)\r\n\r\ndata\r\n--b--\r\n"
        let form = try MultipartForm(contentType: "multipart/form-data; boundary=b", body: Data(body.utf8))
        #expect(form.file("file")?.filename == filename)
    }

    @Test func parsesALargeFileIntact() throws {
        var content = Data(count: 6 * 1024 * 1024)
        content.withUnsafeMutableBytes { bytes in
            var state: UInt32 = 2_463_534_242
            for index in bytes.indices {
                state ^= state << 13
                state ^= state >> 17
                state ^= state << 5
                bytes[index] = UInt8(truncatingIfNeeded: state)
            }
        }
        let boundary = "----keel-large-\(UUID().uuidString)"
        #expect(content.range(of: Data(boundary.utf8)) == nil)
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n".utf8)
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n".utf8))
        body.append(content)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let started = ContinuousClock.now
        let form = try MultipartForm(contentType: "multipart/form-data; boundary=\(boundary)", body: body)
        let elapsed = ContinuousClock.now - started
        #expect(form.file("file")?.data == content)
        #expect(form.value("purpose") == "batch")
        #expect(elapsed < .seconds(5), "parsing 6 MiB took \(elapsed)")
    }
}

@Suite struct HeaderParametersTests {
    @Test func readsTheValueAndCaseInsensitiveParameters() {
        let header = HeaderParameters("Form-Data ; Name = \"file\" ;FILENAME=a.txt;;empty=;=orphan; flag")
        #expect(header.value == "form-data")
        #expect(header["name"] == "file")
        #expect(header["Filename"] == "a.txt")
        #expect(header["empty"] == "")
        #expect(header["flag"] == nil)
    }

    @Test func theFirstOfARepeatedParameterWins() {
        #expect(HeaderParameters("form-data; name=a; name=b")["name"] == "a")
    }

    @Test func anUnterminatedQuotedValueRunsToTheEnd() {
        #expect(HeaderParameters("form-data; name=\"abc;def")["name"] == "abc;def")
        #expect(HeaderParameters("form-data; name=\"abc\\")["name"] == "abc\\")
    }
}
