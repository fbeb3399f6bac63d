import ArgumentParser
import Foundation
import KeelCore
import KeelEvals
import KeelGuardrails
import KeelMonitor
import KeelPrompts
import Logging

/// `--config` and `--log-level`, shared by the commands that read keel.yaml.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Path to keel.yaml. Default: ./keel.yaml if present, else the built-in mock configuration.")
    var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["KEEL_LOG_LEVEL"] ?? "info"

    /// The configuration, or a clean exit naming the file, the key and the problem.
    func load() throws -> (KeelConfig, source: String) {
        do {
            return try loadForReload()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// The configuration, or the error naming the file, the key and the problem (the message a
    /// reload refuses a bad file with is the one `load()` stops the start with).
    func loadForReload() throws -> (KeelConfig, source: String) {
        guard let path = config ?? (FileManager.default.fileExists(atPath: "keel.yaml") ? "keel.yaml" : nil) else {
            return (KeelConfig.builtInDefault(), "<built-in default>")
        }
        let loaded = try ConfigLoader.load(path: path)
        try GuardPolicyCheck.check(loaded, file: path)
        do {
            _ = try RolloutDefaults(loaded.rollouts)
        } catch {
            throw ConfigError(file: path, key: "rollouts", problem: error.description)
        }
        do {
            _ = try EvalSettings(loaded.evals, models: Set(loaded.models.map(\.name)))
        } catch {
            throw ConfigError(file: path, key: "evals", problem: error.description)
        }
        do {
            _ = try MonitorSettings(loaded.monitoring)
            _ = try RemediationSettings(loaded.remediation)
            _ = try SLO.parse(loaded.slos)
            _ = try AlertChannel.parse(.array(loaded.alerts))
        } catch {
            throw ConfigError(file: path, key: error.key, problem: error.problem)
        }
        return (loaded, path)
    }

    func makeLogger(label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
