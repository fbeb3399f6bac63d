import Foundation
import KeelCore
import KeelMonitor
import KeelProviders
import Logging

extension KeelServer {
    /// `keel incidents drill`: a test incident through every `alerts:` channel, opened then
    /// resolved; each delivery's outcome, as a timeline event.
    public static func drillAlerts(config: KeelConfig, logger: Logger) async throws -> [Incident.Event] {
        let channels = try AlertChannel.parse(.array(config.alerts))
        let settings = try MonitorSettings(config.monitoring)
        let connections = makeConnectionPool(maxConnections: 4)
        let sender = AlertSender(
            channels: channels, http: UpstreamHTTPClient(pool: connections, proxies: try ProxySettings.fromEnvironment()), source: "keel",
            link: { id in settings.externalURL.map { $0 + "/api/incidents/" + id } }, logger: logger)
        let finding = Finding(
            kind: .targetErrors, scope: Finding.Scope(.none, "drill"), severity: .info, title: "Keel alert drill: this is a test, nothing is wrong",
            figures: ["drill": true])
        var incident = Incident(finding: finding, id: "inc_drill_" + IdentifierRandom.hex(bytes: 4), now: Date())
        var events = await sender.sendAndWait(incident, resolved: false)
        incident.resolve(by: "keel incidents drill", at: Date())
        events += await sender.sendAndWait(incident, resolved: true)
        await connections.shutdown()
        return events
    }
}
