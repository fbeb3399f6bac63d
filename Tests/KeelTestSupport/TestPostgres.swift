import Foundation

/// A PostgreSQL server for the tests of this process: a cluster made with the machine's
/// `initdb` in a temporary folder, started on a free loopback port (as the `postgres` user
/// when the tests run as root, which PostgreSQL refuses), stopped when the process exits.
/// Each test asks for a database of its own.
public actor TestPostgres {
    public static let shared = TestPostgres()

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    private var started: (bin: URL, port: Int)?
    private var cluster: (data: String, directory: URL)?

    /// A server of its own (one a test may restart); most tests share `shared`.
    public init() {}

    /// A new, empty database on the server, as a `postgres://` URL.
    public func database() async throws -> String {
        let (bin, port) = try start()
        let name = "keel_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try Self.run(bin.appendingPathComponent("createdb"), ["-h", "127.0.0.1", "-p", "\(port)", "-U", "keel", String(name)])
        return "postgres://keel@127.0.0.1:\(port)/\(name)?sslmode=disable&pool_size=4"
    }

    /// Stops the server (a fast shutdown: open connections are cut), waits `downtime`, and
    /// starts it again on the same port and data.
    public func restart(after downtime: Duration) async throws {
        guard let (bin, port) = started, let cluster else { return }
        ClusterCleanup.stop(data: cluster.data)
        try await Task.sleep(for: downtime)
        try Self.serve(bin: bin, data: cluster.data, directory: cluster.directory, port: port)
    }

    private func start() throws -> (URL, Int) {
        if let started { return started }
        let bin = try Self.binaries()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keel-pg-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: directory.path) }
        let data = directory.appendingPathComponent("data").path
        try Self.run(bin.appendingPathComponent("initdb"), ["-D", data, "-U", "keel", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"])
        let port = try Self.freePort()
        try Self.serve(bin: bin, data: data, directory: directory, port: port)
        started = (bin, port)
        cluster = (data, directory)
        return (bin, port)
    }

    /// Runs the server as a child of this process (pg_ctl would leave a daemon holding
    /// descriptors that Foundation's `Process` waits on) until it takes connections.
    private static func serve(bin: URL, data: String, directory: URL, port: Int) throws {
        let server = Self.process(
            bin.appendingPathComponent("postgres"),
            [
                "-D", data, "-p", "\(port)", "-k", directory.path, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300",
            ])
        let log = directory.appendingPathComponent("log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let output = try FileHandle(forWritingTo: log)
        output.seekToEndOfFile()
        server.standardOutput = output
        server.standardError = output
        try server.run()
        try Self.waitForServer(port: port, log: log)
        ClusterCleanup.register(data: data, directory: directory.path)
    }

    /// The newest PostgreSQL under /usr/lib/postgresql, or `initdb` on the PATH.
    private static func binaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.compactMap(Int.init).sorted() ?? []
        if let newest = versions.last { return root.appendingPathComponent("\(newest)/bin") }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let initdb = URL(fileURLWithPath: String(directory)).appendingPathComponent("initdb")
            if FileManager.default.isExecutableFile(atPath: initdb.path) { return initdb.deletingLastPathComponent() }
        }
        throw Unavailable(description: "PostgreSQL is not installed (apt-get install postgresql): the PostgreSQL store's tests need its initdb")
    }

    static func run(_ executable: URL, _ arguments: [String]) throws {
        let process = Self.process(executable, arguments)
        // Output goes to a file, not a pipe, so that nothing waits on a reader.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("keel-pg-run-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        try? output.close()
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw Unavailable(description: "\(executable.lastPathComponent) failed (\(process.terminationStatus)): \(text)")
        }
    }

    /// `executable` as the `postgres` user when the tests run as root (PostgreSQL refuses root).
    static func process(_ executable: URL, _ arguments: [String]) -> Process {
        let process = Process()
        if getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--", executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        return process
    }

    /// Waits until the server takes connections on `port`.
    private static func waitForServer(port: Int, log: URL) throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(socket)
            if connected { return }
            usleep(100_000)
        }
        throw Unavailable(description: "PostgreSQL did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    private static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw Unavailable(description: "no free port for PostgreSQL") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Stops the tests' clusters and removes their folders when the process exits: by a signal to
/// each server (an exiting process can no longer run and wait for `pg_ctl`).
enum ClusterCleanup {
    nonisolated(unsafe) private static var servers: [String: (pid: pid_t, directory: String)] = [:]
    nonisolated(unsafe) private static var registered = false
    private static let lock = NSLock()

    static func register(data: String, directory: String) {
        let pidFile = (try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8)) ?? ""
        let pid = pid_t(pidFile.split(separator: "\n").first.flatMap { Int32($0) } ?? 0)
        lock.withLock {
            servers[data] = (pid, directory)
            guard !registered else { return }
            registered = true
            atexit {
                for server in ClusterCleanup.servers.values {
                    // SIGQUIT: PostgreSQL's immediate shutdown.
                    if server.pid > 0 { kill(server.pid, SIGQUIT) }
                    try? FileManager.default.removeItem(atPath: server.directory)
                }
            }
        }
    }

    /// Stops the server of `data` now (SIGINT: a fast shutdown) and waits for it to be gone.
    static func stop(data: String) {
        guard let server = lock.withLock({ servers[data] }), server.pid > 0 else { return }
        kill(server.pid, SIGINT)
        for _ in 0..<100 where kill(server.pid, 0) == 0 || FileManager.default.fileExists(atPath: data + "/postmaster.pid") {
            usleep(100_000)
        }
    }
}
