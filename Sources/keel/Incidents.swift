import ArgumentParser
import Foundation
import KeelCore
import KeelMonitor
import KeelServer
import KeelStore

/// `keel incidents`: what the monitor opened, on the store (a running gateway takes in an
/// acknowledgement or a resolution at its next look, and sends the resolve).
struct Incidents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Incidents the monitor opened: list, show, acknowledge, resolve, revert an action; drill the alert channels.",
        subcommands: [List.self, Show.self, Ack.self, Resolve.self, Revert.self, Drill.self], defaultSubcommand: List.self)

    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }

    static func load(_ store: any IncidentStore, _ id: String) async throws -> Incident {
        guard let record = try await store.incident(id: id), let incident = Incident(json: record.body) else {
            throw fail("no incident '\(id)' (keel incidents list shows them)")
        }
        return incident
    }

    static func save(_ incident: Incident, in store: any IncidentStore) async throws {
        try await store.saveIncident(
            IncidentRecord(id: incident.id, status: incident.status.rawValue, openedAt: incident.openedAt, body: incident.storedJSON))
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Incidents, newest first.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "open (not resolved), acknowledged or resolved.") var status: String?
        @Option(help: "At most this many.") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await options.openStore()
            let incidents = try await store.incidents(status: status, limit: max(1, min(limit, 1000))).compactMap { Incident(json: $0.body) }
            if json {
                print(JSONValue.object(["data": .array(incidents.map(\.summaryJSON))]).encodedString())
                return
            }
            guard !incidents.isEmpty else { return print("no incidents") }
            print("INCIDENT              STATUS        SEVERITY  KIND                OPENED                TITLE")
            for incident in incidents {
                print(
                    [
                        incident.id.padding(toLength: 21, withPad: " ", startingAt: 0),
                        incident.status.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0),
                        incident.severity.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0),
                        incident.kind.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0),
                        String(Trace.format(incident.openedAt).prefix(19)).padding(toLength: 21, withPad: " ", startingAt: 0), incident.title,
                    ].joined(separator: " "))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One incident with its figures, causes, actions and timeline (JSON).")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The incident's id (inc_...).") var id: String

        func run() async throws {
            print(try await Incidents.load(try await options.openStore(), id).json.encodedString())
        }
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take an open incident: it stays open, no longer unowned.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The incident's id.") var id: String
        @Option(help: "Who takes it (default: git config user.name, else $USER).") var by: String?

        func run() async throws {
            let store = try await options.openStore()
            var incident = try await Incidents.load(store, id)
            guard incident.status == .open else { throw Incidents.fail("incident \(id) is \(incident.status.rawValue)") }
            incident.acknowledge(by: by ?? GitInfo.currentUser(), at: Date())
            try await Incidents.save(incident, in: store)
            print("\(id) acknowledged")
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End an incident; a running gateway sends the resolve to its channels.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The incident's id.") var id: String
        @Option(help: "Who ends it (default: git config user.name, else $USER).") var by: String?

        func run() async throws {
            let store = try await options.openStore()
            var incident = try await Incidents.load(store, id)
            guard incident.status != .resolved else { throw Incidents.fail("incident \(id) is resolved already") }
            incident.resolve(by: by ?? GitInfo.currentUser(), at: Date())
            try await Incidents.save(incident, in: store)
            print("\(id) resolved")
        }
    }

    struct Revert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undo an action Keel applied for an incident (act_...); a running gateway undoes it at its next look.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The action's id (act_..., in keel incidents show).") var actionID: String
        @Option(help: "Who asks (default: git config user.name, else $USER).") var by: String?

        func run() async throws {
            let store = try await options.openStore()
            let recent = try await store.incidents(status: nil, limit: 1000).compactMap { Incident(json: $0.body) }
            guard var incident = recent.first(where: { $0.actions.contains { $0.id == actionID } }),
                let index = incident.actions.firstIndex(where: { $0.id == actionID })
            else { throw Incidents.fail("no incident has the action '\(actionID)' (keel incidents show ID lists its actions)") }
            do {
                try incident.requestRevert(of: actionID, by: by ?? GitInfo.currentUser(), at: Date())
            } catch {
                throw Incidents.fail(error.message)
            }
            try await Incidents.save(incident, in: store)
            print(
                "\(actionID) (\(incident.actions[index].summary)) of \(incident.id): revert requested; a running gateway undoes it at its next look")
        }
    }

    struct Drill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a test incident (opened, then resolved) through every alerts: channel.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let (config, _) = try options.load()
            guard !config.alerts.isEmpty else { throw Incidents.fail("no alerts: channels are configured") }
            let events = try await KeelServer.drillAlerts(config: config, logger: options.makeLogger(label: "keel.incidents"))
            var failed = false
            for event in events {
                let channel = event.detail["channel"]?.stringValue ?? "?"
                let what = event.detail["event"]?.stringValue ?? "?"
                if event.type == "notified" {
                    print("\(channel): \(what) delivered")
                } else {
                    failed = true
                    print("\(channel): \(what) FAILED: \(event.detail["error"]?.stringValue ?? "")")
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
