import ArgumentParser
import Foundation
import KeelCore
import KeelPrompts
import KeelServer
import KeelStore

/// `keel prompts`: prompt files as versions in the store (a running gateway serves new ones
/// within seconds), their labels, diffs and rollbacks.
struct Prompts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Push prompt files as versions; list, show and diff them; move and roll back labels.",
        subcommands: [Push.self, List.self, Show.self, Diff.self, Label.self, Rollback.self])

    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store each prompt file as a new version when its content changed (nothing is stored if any file has an error).")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "Prompt files, or folders whose *.yaml and *.yml files (recursively) are prompts.") var paths: [String]
        @Option(help: "The commit message (default: the subject of the last git commit of the file's folder).") var message: String?
        @Option(help: "Who pushes (default: git config user.name, else $USER).") var author: String?

        func run() async throws {
            let config = try options.load().0
            let files = try PromptFiles.expand(paths)
            var loaded: [(definition: PromptDefinition, source: String, file: String)] = []
            var problems: [String] = []
            for file in files {
                do {
                    let source = try String(contentsOfFile: file, encoding: .utf8)
                    let definition = try PromptLibrary.definition(source: source, file: file, config: config)
                    if let other = loaded.first(where: { $0.definition.name == definition.name }) {
                        problems.append("\(file): the prompt '\(definition.name)' is also in \(other.file)")
                    }
                    for warning in definition.warnings { CommandError.warn(warning) }
                    loaded.append((definition, source, file))
                } catch let error as PromptFileError {
                    problems.append(error.description)
                } catch {
                    problems.append("\(file): cannot read the file (\(error.localizedDescription))")
                }
            }
            guard problems.isEmpty else {
                for problem in problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
                throw ExitCode(1)
            }
            let store = try await options.openStore()
            let pusher = author ?? GitInfo.currentUser()
            for (definition, source, file) in loaded {
                let commitMessage = message ?? GitInfo.lastCommitSubject(near: file)
                let outcome = try await store.pushPrompt(
                    PromptLibrary.record(definition, source: source, author: pusher, commitMessage: commitMessage))
                switch outcome {
                case .created(let version): print("\(definition.name) v\(version) (new)")
                case .unchanged(let version): print("\(definition.name) v\(version) (unchanged)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every prompt: its versions and labels.")

        @OptionGroup var options: ConfigOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await options.openStore()
            let summaries = PromptLibrary.list(versions: try await store.promptVersions(name: nil), labels: try await store.promptLabels())
            if json {
                print(JSONValue.object(["data": .array(summaries)]).encodedString())
                return
            }
            guard !summaries.isEmpty else { return print("no prompts") }
            let rows = summaries.map { summary -> [String] in
                let labels = (summary["label_versions"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
                    .map { "\($0.key)=v\($0.value.intValue ?? 0)" }.joined(separator: " ")
                return [
                    summary["name"]?.stringValue ?? "", "v\(summary["latest"]?.intValue ?? 0)", "\(summary["versions"]?.arrayValue?.count ?? 0)",
                    labels, summary["last_updated_at"]?.stringValue ?? "",
                ]
            }
            print(FittedTable.render([["NAME", "LATEST", "VERSIONS", "LABELS", "UPDATED"]] + rows))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A stored version: NAME (production), NAME@VERSION or NAME@LABEL.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "NAME, NAME@VERSION or NAME@LABEL.") var prompt: String
        @Flag(help: "Print JSON (Langfuse's field names).") var json = false

        func run() async throws {
            let (name, selector) = PromptLibrary.split(prompt)
            let store = try await options.openStore()
            let labels = try await store.promptLabels()
            let record = try await CommandError.exiting {
                try PromptLibrary.select(selector, name: name, versions: try await store.promptVersions(name: name), labels: labels)
            }
            if json { return print(PromptLibrary.json(record, labels: labels).encodedString()) }
            let own = labels.filter { $0.name == name && $0.version == record.version }.map(\.label)
            print("# \(record.name) v\(record.version)")
            print("# labels: \(own.isEmpty ? "-" : own.joined(separator: ", "))")
            print("# author: \(record.author)")
            print("# message: \(record.commitMessage ?? "-")")
            print("# created: \(Trace.format(record.createdAt))")
            print("# hash: \(record.hash)")
            print("")
            print(record.source, terminator: record.source.hasSuffix("\n") ? "" : "\n")
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A unified diff of two stored versions of a prompt, by number or label.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The prompt's name.") var name: String
        @Argument(help: "The old side: a version or a label.") var from: String
        @Argument(help: "The new side: a version or a label.") var to: String

        func run() async throws {
            let store = try await options.openStore()
            let versions = try await store.promptVersions(name: name)
            let labels = try await store.promptLabels()
            let (old, new) = try await CommandError.exiting {
                (
                    try PromptLibrary.select(from, name: name, versions: versions, labels: labels),
                    try PromptLibrary.select(to, name: name, versions: versions, labels: labels)
                )
            }
            print(
                UnifiedDiff.diff(old.source, new.source, fromLabel: "\(name)@\(old.version)", toLabel: "\(name)@\(new.version)"),
                terminator: "")
        }
    }

    struct Label: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Point a label (created if new) at a version.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The prompt's name.") var name: String
        @Argument(help: "The version number.") var version: Int
        @Argument(help: "The label, such as production or staging.") var label: String
        @Option(help: "Who moves it (default: git config user.name, else $USER).") var author: String?
        @Flag(help: "Put a protected label on a version without a passing eval run (recorded as an event).") var force = false

        func run() async throws {
            try await CommandError.exiting { try PromptLabelName.check(label) }
            let (config, _) = try options.load()
            let store = try await options.openStore()
            let who = author ?? GitInfo.currentUser()
            try await CommandError.exiting {
                try await ProtectedLabelGate(store: store, protectedLabels: config.protectedLabels).check(
                    name: name, label: label, version: version, force: force, author: who, via: "cli")
                try await store.movePromptLabel(name: name, label: label, version: version, author: who)
            }
            print("\(name) \(label) -> v\(version)")
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a label back to the version it pointed at before its last move (again to go further back).")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The prompt's name.") var name: String
        @Option(help: "The label.") var label = PromptReference.defaultLabel
        @Option(help: "Who rolls back (default: git config user.name, else $USER).") var author: String?

        func run() async throws {
            let store = try await options.openStore()
            let who = author ?? GitInfo.currentUser()
            let moved = try await CommandError.exiting { try await store.rollbackPromptLabel(name: name, label: label, author: who) }
            print("\(name) \(label): v\(moved.from) -> v\(moved.to)")
        }
    }
}

/// The files a push takes.
enum PromptFiles {
    static func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw CommandError.fail("\(path): no such file or folder")
            }
            guard isFolder.boolValue else {
                files.append(path)
                continue
            }
            let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            files += found.map { (path as NSString).appendingPathComponent($0) }
        }
        return files
    }
}

/// What git knows of the pusher and the files: nothing, outside a checkout or without git.
enum GitInfo {
    static func userName() -> String? { run(["config", "user.name"], in: FileManager.default.currentDirectoryPath) }

    /// Who is acting: git's user name, else $USER.
    static func currentUser() -> String { userName() ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown" }

    static func lastCommitSubject(near file: String) -> String? {
        run(
            ["log", "-1", "--format=%s"],
            in: (file as NSString).deletingLastPathComponent.isEmpty ? "." : (file as NSString).deletingLastPathComponent)
    }

    private static func run(_ arguments: [String], in folder: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

/// A command's error: `error: message` on stderr and exit status 1, never a crash.
enum CommandError {
    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }

    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    static func exiting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as KeelError {
            throw fail(error.message)
        } catch let error as PromptStoreError {
            throw fail(error.description)
        }
    }
}
