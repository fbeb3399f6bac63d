import Foundation
import Synchronization

/// The real `keel` binary, started as a child process on a loopback port.
/// `Process` is not marked Sendable; this type only reads it after start and signals it.
///
/// Exits are observed with `waitid(WNOWAIT)`, not `Process.isRunning` or `waitUntilExit()`:
/// Foundation's Process on Linux has been seen to leave an exited child unreaped, and a test
/// blocked in `waitUntilExit()` then holds one of the two cooperative threads for good.
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
            if spawned.exitStatus != nil { break }
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

    /// Runs `keel ARGUMENTS` to completion: exit status and everything it printed. The wait is
    /// on a thread of its own: blocked in it, one of the two cooperative threads would starve
    /// every other test's tasks (and their timers) for as long as the command runs.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(arguments, environment: environment) })
            }
        }
    }

    private static func runBlocking(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try binaryURL()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        let status = waitForExit(process, timeout: .seconds(60)) ?? -1
        return (status, String(decoding: data, as: UTF8.self))
    }

    private init(process: Process, output: OutputBuffer) {
        self.process = process
        self.output = output
    }

    /// Kills the process at once (graceful stops are tested on their own).
    func stop() {
        guard exitStatus == nil else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = Self.waitForExit(process, timeout: .seconds(5))
    }

    /// Sends SIGTERM and waits for the process to exit; returns its exit status.
    func terminateGracefully(timeout: Duration = .seconds(15)) async throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(process.processIdentifier, SIGKILL)
        throw StartError(message: "keel did not exit within \(timeout) of SIGTERM")
    }

    var hasExited: Bool { exitStatus != nil }

    /// The exit status once the process has ended (128 + N when signal N ended it), else nil.
    var exitStatus: Int32? { Self.exitStatus(of: process) }

    private static func exitStatus(of process: Process) -> Int32? {
        var info = siginfo_t()
        let result = waitid(P_PID, id_t(process.processIdentifier), &info, WEXITED | WNOHANG | WNOWAIT)
        if result == -1 {
            // Foundation has reaped it already, and knows its status once it has recorded it.
            guard errno == ECHILD, !process.isRunning else { return nil }
            return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
        }
        let child = info._sifields._sigchld
        guard child.si_pid != 0 else { return nil }
        return info.si_code == CLD_EXITED ? child.si_status : 128 + child.si_status
    }

    /// Polls for the exit for at most `timeout`; the child has always been told to end by now.
    private static func waitForExit(_ process: Process, timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus(of: process) { return status }
            usleep(2_000)
        }
        return nil
    }

    deinit {
        if exitStatus == nil { kill(process.processIdentifier, SIGKILL) }
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
