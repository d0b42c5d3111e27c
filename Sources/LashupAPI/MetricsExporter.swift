import LashupRuntime
import Prometheus
import Synchronization

/// The agent's metrics in Prometheus text. The node's counters live in its (sans-I/O) core;
/// at each scrape they are read in one step and carried into the registry, which also holds
/// what swift-metrics users (the HTTP middleware) record.
public final class MetricsExporter: Sendable {
    public let registry: PrometheusCollectorRegistry
    let reported = Mutex<[String: Int]>([:])

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// The Prometheus text of everything, `statistics` first brought up to date.
    public func render(_ statistics: AgentStatistics) -> [UInt8] {
        let s = statistics
        gauge("lashup_view_active_size", "Neighbours in the active view", s.activeView)
        gauge("lashup_view_passive_size", "Nodes in the passive view", s.passiveView)
        gauge("lashup_members_known", "Nodes in global membership", s.knownMembers)
        gauge("lashup_members_reachable", "Known nodes reachable from here", s.reachableMembers)
        gauge("lashup_members_unreachable", "Known nodes not reachable from here", s.unreachableMembers)
        gauge("lashup_contacts_unreachable", "Configured contacts not reachable from here", s.unreachableContacts)
        gauge("lashup_overlay_split", "1 while this node sees the overlay in pieces (contacts or linked members unreachable)", s.overlaySplit ? 1 : 0)
        counter("lashup_overlay_split_episodes_total", "Split episodes seen", s.splitEpisodes)
        counter("lashup_partition_probes_sent_total", "High-priority neighbour requests sent to unreachable nodes", s.partitionProbesSent)
        counter("lashup_pings_sent_total", "Failure-detector pings sent", s.membership.pingsSent)
        counter("lashup_indirect_probes_sent_total", "Indirect probes sent", s.membership.indirectProbesSent)
        counter("lashup_evictions_total", "Neighbours evicted by the failure detector", s.membership.evictionsFailed)
        counter("lashup_joins_accepted_total", "Joins accepted as contact", s.membership.joinsAccepted)
        counter("lashup_joins_denied_total", "Joins denied by the throttle", s.membership.joinsDenied)
        counter("lashup_broadcasts_total", "Broadcasts originated here", s.plumtree.broadcasts)
        counter("lashup_broadcasts_delivered_total", "Broadcasts delivered here", s.plumtree.delivered)
        counter("lashup_broadcast_duplicates_total", "Duplicate broadcast payloads received", s.plumtree.duplicates)
        counter("lashup_broadcast_grafts_total", "Plumtree grafts", s.plumtree.grafts)
        counter("lashup_broadcast_prunes_total", "Plumtree prunes", s.plumtree.prunes)
        counter("lashup_store_updates_total", "Local store updates acknowledged", s.storeUpdates)
        counter("lashup_store_update_failures_total", "Local store updates refused or not made durable", s.storeUpdateFailures)
        counter("lashup_store_deltas_received_total", "Replication deltas received", s.cluster.deltasReceived)
        counter("lashup_store_deltas_applied_total", "Replication deltas that changed a value", s.cluster.deltasApplied)
        counter("lashup_store_payloads_rejected_total", "Undecodable replication payloads", s.cluster.payloadsRejected)
        counter("lashup_antientropy_sessions_total", "Anti-entropy sessions opened", s.cluster.antiEntropySessionsOpened)
        counter("lashup_antientropy_keys_repaired_total", "Keys changed by anti-entropy", s.cluster.keysRepaired)
        counter("lashup_tombstones_collected_total", "Tombstones collected", s.cluster.tombstonesCollected)
        gauge("lashup_store_keys", "Keys held, tombstones included", s.keys)
        gauge("lashup_store_tombstones", "Deleted keys kept until every member has them", s.tombstones)
        counter("lashup_commit_transactions_total", "SQLite transactions committed", s.commitTransactions)
        counter("lashup_commit_persists_total", "Node steps' durable writes committed (persists per transaction = this / transactions)", s.commitPersists)
        gauge("lashup_commit_waiting", "Node steps whose effects wait for the disk", s.commitWaiting)
        counter("lashup_commit_rejected_total", "Local updates refused because the disk was too far behind", s.commitRejected)
        gauge("lashup_inbox_depth", "Inputs waiting for the node", s.inputsQueued)
        counter("lashup_inbox_dropped_total", "Inputs dropped because the inbox was full", s.inputsDropped)
        gauge("lashup_watchers", "Watches waiting", s.watchers)
        counter("lashup_transport_frames_sent_total", "Frames sent to peers", s.transport.framesSent)
        counter("lashup_transport_bytes_sent_total", "Bytes sent to peers", s.transport.bytesSent)
        counter("lashup_transport_frames_received_total", "Frames received from peers", s.transport.framesReceived)
        counter("lashup_transport_frames_dropped_total", "Frames dropped: a peer's queue was full or its connection failed", s.transport.framesDropped)
        counter("lashup_transport_dials_total", "Connections dialled", s.transport.dials)
        counter("lashup_transport_dial_failures_total", "Dials that failed", s.transport.dialFailures)
        counter("lashup_transport_handshakes_refused_total", "Peers refused at the hello", s.transport.handshakesRefused)
        counter("lashup_transport_protocol_errors_total", "Connections closed for a malformed frame", s.transport.protocolErrors)
        gauge("lashup_transport_connections_outbound", "Open dialled connections", s.transport.outboundConnections)
        gauge("lashup_transport_connections_inbound", "Open accepted connections", s.transport.inboundConnections)
        gauge("lashup_transport_queued_bytes", "Bytes waiting to be sent, all peers", s.transport.queuedBytes)
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
