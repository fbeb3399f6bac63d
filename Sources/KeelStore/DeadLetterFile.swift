import Foundation
import KeelCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Traces the store kept refusing, kept beside the database (`<db path>.deadletter.jsonl`) until they can be written back:
/// JSON Lines, one complete trace a line (`Trace.completeJSON`), each append synced to disk. Appending and draining lock the
/// file (`flock`), so that `keel traces recover` in another process never empties the file under a batch a running gateway
/// is appending.
public final class DeadLetterFile: Sendable {
    /// What a drain found: the traces handed over, and the lines that held no readable trace (a write torn by a crash).
    public struct Drained: Sendable, Equatable {
        public var traces: Int
        public var skippedLines: Int

        public init(traces: Int = 0, skippedLines: Int = 0) {
            self.traces = traces
            self.skippedLines = skippedLines
        }
    }

    /// A system call on the file failed.
    public struct IOError: Error, CustomStringConvertible {
        public let operation: String
        public let path: String
        public let code: Int32
        public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    }

    public let path: String
    /// The line count last read and the file size it was read at: `/healthz` asks often, the file rarely changes.
    private let pendingCache = Mutex<(size: Int64, lines: Int)>((0, 0))

    public init(path: String) {
        self.path = path
    }

    /// The dead-letter file of the SQLite database at `databasePath`; none for an in-memory database.
    public convenience init?(besideDatabase databasePath: String) {
        guard !databasePath.isEmpty, databasePath != ":memory:", !databasePath.hasPrefix("file::memory:") else { return nil }
        self.init(path: databasePath + ".deadletter.jsonl")
    }

    /// Appends `traces`, one line each, and syncs the file (and, when it is new, its directory) to disk.
    public func append(_ traces: [Trace]) throws(IOError) {
        guard !traces.isEmpty else { return }
        let existed = FileManager.default.fileExists(atPath: path)
        let descriptor = try openLocked(O_RDWR | O_APPEND | O_CREAT)  // read too: its last byte
        defer { unlockAndClose(descriptor) }
        var bytes: [UInt8] = []
        // A line torn by a crash stays a line of its own, skipped on recovery, rather than spoiling the first one appended.
        if try !endsWithNewline(descriptor) { bytes.append(UInt8(ascii: "\n")) }
        for trace in traces {
            trace.completeJSON.encode(into: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        try writeAll(bytes, to: descriptor)
        guard fsync(descriptor) == 0 else { throw IOError(operation: "fsync", path: path, code: errno) }
        if !existed { syncDirectory() }
    }

    /// Hands every readable trace to `insert`, `batchSize` at a time, then empties the file. If `insert` throws, the file
    /// is left as it was: a trace leaves it only once inserted (inserting one again must not duplicate it).
    public func drain(batchSize: Int, into insert: ([Trace]) async throws -> Void) async throws -> Drained {
        // Never removed once made (only emptied), so a file that is there stays there.
        guard FileManager.default.fileExists(atPath: path) else { return Drained() }
        let descriptor = try openLocked(O_RDWR)
        defer { unlockAndClose(descriptor) }
        var drained = Drained()
        var batch: [Trace] = []
        var lines = LineReader(descriptor: descriptor, path: path)
        while let line = try lines.next() {
            guard !line.isEmpty else { continue }
            let trace = line.withUnsafeBytes { bytes in
                (try? JSONValue.parse(bytes: bytes)).flatMap { try? Trace(completeJSON: $0) }
            }
            guard let trace else {
                drained.skippedLines += 1
                continue
            }
            batch.append(trace)
            if batch.count >= max(1, batchSize) {
                try await insert(batch)
                drained.traces += batch.count
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty {
            try await insert(batch)
            drained.traces += batch.count
        }
        // Emptied rather than removed: a writer in another process waiting for the lock holds this very file open.
        guard ftruncate(descriptor, 0) == 0 else { throw IOError(operation: "ftruncate", path: path, code: errno) }
        guard fsync(descriptor) == 0 else { throw IOError(operation: "fsync", path: path, code: errno) }
        return drained
    }

    /// The lines waiting in the file, a torn last line included.
    public var pendingLines: Int {
        var status = stat()
        guard stat(path, &status) == 0, status.st_size > 0 else { return 0 }
        let size = Int64(status.st_size)
        if let cached = pendingCache.withLock({ $0.size == size ? $0.lines : nil }) { return cached }
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        var lines = data.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        if let last = data.last, last != UInt8(ascii: "\n") { lines += 1 }
        pendingCache.withLock { $0 = (Int64(data.count), lines) }
        return lines
    }

    private func openLocked(_ flags: Int32) throws(IOError) -> Int32 {
        let descriptor = open(path, flags | O_CLOEXEC, 0o600)  // it holds requests: only its owner reads it
        guard descriptor >= 0 else { throw IOError(operation: "open", path: path, code: errno) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let code = errno
                close(descriptor)
                throw IOError(operation: "flock", path: path, code: code)
            }
        }
        return descriptor
    }

    private func unlockAndClose(_ descriptor: Int32) {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private func endsWithNewline(_ descriptor: Int32) throws(IOError) -> Bool {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw IOError(operation: "fstat", path: path, code: errno) }
        guard status.st_size > 0 else { return true }
        var last: UInt8 = 0
        guard pread(descriptor, &last, 1, status.st_size - 1) == 1 else { throw IOError(operation: "pread", path: path, code: errno) }
        return last == UInt8(ascii: "\n")
    }

    private func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws(IOError) {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw IOError(operation: "write", path: path, code: errno)
            }
            written += count
        }
    }

    /// Makes a new file's directory entry durable too; best effort, as the file's own data is already synced.
    private func syncDirectory() {
        let parent = (path as NSString).deletingLastPathComponent
        let directory = open(parent.isEmpty ? "." : parent, O_RDONLY | O_CLOEXEC)
        guard directory >= 0 else { return }
        fsync(directory)
        close(directory)
    }
}

extension DeadLetterFile {
    /// Writes the file's traces back into `store` and empties it (see `drain`).
    public func recover(into store: any TraceStore, batchSize: Int = 500) async throws -> Drained {
        try await drain(batchSize: batchSize) { try await store.insert($0) }
    }
}

/// The lines of an open file, read a megabyte at a time; the last one may lack its newline.
private struct LineReader {
    let descriptor: Int32
    let path: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    mutating func next() throws(DeadLetterFile.IOError) -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                defer { start = newline + 1 }
                return buffer[start..<newline]
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                return buffer[start...]
            }
            buffer.removeFirst(start)
            start = 0
            try fill()
        }
    }

    private mutating func fill() throws(DeadLetterFile.IOError) {
        let chunk = 1 << 20
        let previous = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        while true {
            let count = buffer[previous...].withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunk) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw DeadLetterFile.IOError(operation: "read", path: path, code: errno) }
            buffer.removeLast(chunk - count)
            if count == 0 { atEnd = true }
            return
        }
    }
}
