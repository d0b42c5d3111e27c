import LashupCluster
import Prometheus
import Synchronization

/// The agent's metrics in Prometheus text. The node's counters live in its (sans-I/O) core;
/// at each scrape they are read in one step (`ClusterIntrospection.metrics`) and carried into the registry, which also holds
/// what swift-metrics users (the HTTP middleware) record.
public final class MetricsExporter: Sendable {
    public let registry: PrometheusCollectorRegistry
    let reported = Mutex<[String: Int]>([:])

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// The Prometheus text of everything, `samples` (the agent's own numbers) first carried
    /// into the registry.
    public func render(_ samples: [MetricSample]) -> [UInt8] {
        for sample in samples {
            switch sample.kind {
            case .gauge: gauge(sample.name, sample.help, sample.value)
            case .counter: counter(sample.name, sample.help, sample.value)
            }
        }
        return registry.emitToBuffer()
    }

    func gauge(_ name: String, _ help: String, _ value: Int) {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help)).set(Double(value))
    }

    /// Carries a cumulative count from the core into a Prometheus counter.
    func counter(_ name: String, _ help: String, _ total: Int) {
        let delta = reported.withLock { reported -> Int in
            let delta = total - (reported[name] ?? 0)
            reported[name] = total
            return delta
        }
        let counter = registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
        if delta > 0 { counter.increment(by: Int64(delta)) }
    }
}
