import KeelCore
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// The OpenTelemetry tracing backend that `telemetry:` in keel.yaml asks for, if any: an OTLP/HTTP
/// exporter (swift-otel) and the service that batches and sends its spans.
enum TelemetryBackend {
    static func make(_ telemetry: TelemetryConfig, logger: Logger) throws -> (tracer: any Tracer, service: any Service)? {
        guard let endpoint = telemetry.otlpEndpoint else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = telemetry.serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.otlpExporter.endpoint = endpoint
        configuration.traces.otlpExporter.headers = telemetry.otlpHeaders.map { ($0.key, $0.value) }
        configuration.traces.otlpExporter.protocol = telemetry.otlpProtocol == .httpJSON ? .httpJSON : .httpProtobuf
        configuration.traces.batchSpanProcessor.scheduleDelay = .milliseconds(telemetry.exportIntervalMs)
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        return (backend.factory, backend.service)
    }
}
