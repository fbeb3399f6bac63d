import Foundation
import Hummingbird
import KeelGateway
import KeelMonitor
import KeelStore
import Metrics
import Prometheus

/// `GET /metrics`: the Prometheus exposition of the gateway's metrics, with the state of every
/// breaker and of the trace queue read at scrape time.
struct MetricsRoute {
    let registry: PrometheusCollectorRegistry
    let gateway: Gateway
    let writer: TraceWriter
    var monitor: MonitorService?

    static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        return factory
    }

    func register(on routes: AccessGroup) {
        routes.get("/metrics") { _, _ in
            refreshGauges()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    private func refreshGauges() {
        for (target, state) in gateway.breakers.states() {
            let value: Double
            switch state {
            case .closed: value = 0
            case .halfOpen: value = 1
            case .open: value = 2
            }
            gauge("keel_breaker_state", labels: [("target", target)], help: "Circuit breaker per target: 0 closed, 1 half-open, 2 open.").set(value)
        }
        let counters = writer.counters
        gauge("keel_trace_queue_depth", help: "Traces waiting to be written.").set(Double(counters.queued))
        gauge("keel_trace_backpressure_waits", help: "Times a request waited for room in the full trace queue.").set(
            Double(counters.backpressureWaits))
        gauge("keel_traces_written", help: "Traces written to the store.").set(Double(counters.written))
        guard let monitor else { return }
        for (slo, window, rate) in monitor.sloBurnRates() {
            gauge(
                "keel_slo_burn_rate", labels: [("slo", slo), ("window_s", String(Int(window)))],
                help: "How fast an SLO spends its error budget over a window (1: as fast as it may)."
            ).set(rate)
        }
        let open = monitor.openIncidents
        for kind in Finding.Kind.allCases {
            for severity in Finding.Severity.allCases {
                let count = open.filter { $0.kind == kind && $0.severity == severity }.count
                gauge(
                    "keel_incidents_open", labels: [("kind", kind.rawValue), ("severity", severity.rawValue)],
                    help: "Incidents open (acknowledged included), by kind and severity."
                ).set(Double(count))
            }
        }
    }

    /// The gauge of that full name (a unit, if any, is part of it), made on first use.
    private func gauge(_ name: String, labels: [(String, String)] = [], help: String) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }
}
