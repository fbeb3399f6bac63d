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

    /// A new, empty database on the server, as a `postgres://` URL.
    public func database() async throws -> String {
        let (bin, port) = try start()
        let name = "keel_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try Self.run(bin.appendingPathComponent("createdb"), ["-h", "127.0.0.1", "-p", "\(port)", "-U", "keel", String(name)])
        return "postgres://keel@127.0.0.1:\(port)/\(name)?sslmode=disable&pool_size=4"
    }

    private func start() throws -> (URL, Int) {
        if let started { return started }
        let bin = try Self.binaries()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-pg-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: directory.path) }
        let data = directory.appendingPathComponent("data").path
        try Self.run(bin.appendingPathComponent("initdb"), ["-D", data, "-U", "keel", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"])
        let port = try Self.freePort()
        // The server runs as a child of this process (pg_ctl would leave a daemon holding
        // descriptors that Foundation's `Process` waits on).
        let server = Self.process(
            bin.appendingPathComponent("postgres"),
            [
                "-D", data, "-p", "\(port)", "-k", directory.path, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300",
            ])
        let log = directory.appendingPathComponent("log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        server.standardOutput = output
        server.standardError = output
        try server.run()
        try Self.waitForServer(port: port, log: log)
        ClusterCleanup.register(data: data, directory: directory.path)
        started = (bin, port)
        return (bin, port)
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
        FileManager.default.createFile(atPath: log.path, contents: nil)
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

/// Stops the tests' cluster and removes its folder when the process exits: by a signal to the
/// server (an exiting process can no longer run and wait for `pg_ctl`).
enum ClusterCleanup {
    nonisolated(unsafe) private static var serverPID: pid_t = 0
    nonisolated(unsafe) private static var directory = ""

    static func register(data: String, directory: String) {
        let pidFile = (try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8)) ?? ""
        serverPID = pid_t(pidFile.split(separator: "\n").first.flatMap { Int32($0) } ?? 0)
        Self.directory = directory
        atexit {
            // SIGQUIT: PostgreSQL's immediate shutdown.
            if ClusterCleanup.serverPID > 0 { kill(ClusterCleanup.serverPID, SIGQUIT) }
            try? FileManager.default.removeItem(atPath: ClusterCleanup.directory)
        }
    }
}
