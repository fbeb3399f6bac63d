import Foundation
import Synchronization

/// The real `keel` binary, started as a child process on a loopback port.
/// `Process` is not marked Sendable; this type only reads it after start and signals it.
final class KeelProcess: @unchecked Sendable {
    let process: Process
    private let output: OutputBuffer

    /// The port from the "listening on http://HOST:PORT" line, once the process printed it.
    var port: Int { Self.listeningPort(in: logs) ?? 0 }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var logs: String { output.text }

    final class OutputBuffer: Sendable {
        private let storage = Mutex("")
        var text: String { storage.withLock { $0 } }
        func append(_ data: Data) { storage.withLock { $0 += String(decoding: data, as: UTF8.self) } }
    }

    /// Starts `keel ARGUMENTS` and waits for its "listening on http://HOST:PORT" line.
    static func start(_ arguments: [String], environment: [String: String] = [:], workingDirectory: URL? = nil) async throws -> KeelProcess {
        let spawned = try spawn(arguments, environment: environment, workingDirectory: workingDirectory)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if spawned.port != 0 { return spawned }
            if !spawned.process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        spawned.process.terminate()
        throw StartError(message: "keel \(arguments.joined(separator: " ")) did not start:\n" + spawned.logs)
    }

    /// Starts `keel ARGUMENTS` without waiting for anything (for commands that do not serve).
    static func spawn(_ arguments: [String], environment: [String: String] = [:], workingDirectory: URL? = nil) throws -> KeelProcess {
        let process = Process()
        process.executableURL = try binaryURL()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = OutputBuffer()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { output.append(data) }
        }
        try process.run()
        return KeelProcess(process: process, output: output)
    }

    /// Runs `keel ARGUMENTS` to completion: exit status and everything it printed.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try binaryURL()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private init(process: Process, output: OutputBuffer) {
        self.process = process
        self.output = output
    }

    /// Kills the process at once (graceful stops are tested on their own).
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Sends SIGTERM and waits for the process to exit; returns its exit status.
    func terminateGracefully(timeout: Duration = .seconds(15)) async throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            process.terminate()
            throw StartError(message: "keel did not exit within \(timeout) of SIGTERM")
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    struct StartError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    private static func listeningPort(in text: String) -> Int? {
        guard let range = text.range(of: "listening on http://") else { return nil }
        let rest = text[range.upperBound...]
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let digits = rest[rest.index(after: colon)...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// `KEEL_BINARY`, else the `keel` built beside this test bundle.
    static func binaryURL() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["KEEL_BINARY"] { return URL(fileURLWithPath: path) }
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL {
            var directory = executable.deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("keel"))
                directory = directory.deletingLastPathComponent()
            }
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/keel"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw StartError(message: "no keel binary found (looked in \(candidates.map(\.path))); run swift build first")
        }
        return found
    }
}
