import Foundation
import LashupCRDT
import LashupDNSServer
import LashupRuntime
import LashupStore
import Logging

/// Keeps the DNS service's zones equal to the store's `["dns","zones",<zone>]` keys: loads
/// them all, then follows the driver's change log and rebuilds the zone table after each batch
/// of changes (a burst of writes is one rebuild). A `reset` (the log overflowed) reloads all.
struct DNSZoneFeed {
    static let pattern = try! KeyPattern(["dns", "zones", "*"])
    /// Most zone keys read (far more than any cluster uses; beyond, the rest is logged).
    static let maximumZones = 10_000

    let driver: NodeDriver
    let service: DNSService
    let logger: Logger

    /// The change index the zones were loaded at, and the zones: `start` publishes them before
    /// the listeners open, so the first query already sees the store's records.
    func load() async -> (index: UInt64, zones: [String: [String]]) {
        let index = await driver.changeIndex
        let zones = await loadAll()
        publish(zones)
        return (index, zones)
    }

    /// Follows changes from `index` on, until cancelled.
    func run(from loaded: (index: UInt64, zones: [String: [String]])) async {
        var (index, zones) = loaded
        while !Task.isCancelled {
            guard let result = try? await driver.watch(Self.pattern, after: index, timeout: .seconds(30), reserved: true) else {
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if result.reset {
                index = await driver.changeIndex
                zones = await loadAll()
            } else {
                index = result.index
                guard !result.keys.isEmpty else { continue }
                for key in result.keys {
                    guard let zone = key.segments.last else { continue }
                    zones[zone] = await records(key)
                }
            }
            publish(zones)
        }
    }

    func publish(_ zones: [String: [String]]) {
        let serial = UInt32(clamping: Int(Date().timeIntervalSince1970))
        service.replaceStoreZones(zones.filter { !$0.value.isEmpty }, serial: serial)
    }

    func loadAll() async -> [String: [String]] {
        let (keys, truncated) = await driver.keys(matching: Self.pattern, limit: Self.maximumZones)
        if truncated { logger.warning("more than \(Self.maximumZones) DNS zones in the store; the rest are not served") }
        var zones: [String: [String]] = [:]
        for key in keys {
            guard let zone = key.segments.last else { continue }
            zones[zone] = await records(key)
        }
        return zones
    }

    /// The record lines of one zone key: its `records` set (absent or deleted: none).
    func records(_ key: Key) async -> [String] {
        guard let value = await driver.value(key) else { return [] }
        guard case let .set(values)? = value.store.snapshot[FieldKey(.string("records"), .set)] else { return [] }
        return values.compactMap { if case let .string(line) = $0 { line } else { nil } }
    }
}
