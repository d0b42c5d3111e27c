import LashupCRDT
import LashupStore

/// Where VIPs live in the replicated store, defined once.
///
/// One key per `(protocol, VIP, port)`: `["l4lb","vips",<tcp|udp>,"ip",<address>,<port>]` or
/// `["l4lb","vips",<tcp|udp>,"name",<name>,<port>]`. In its value each backend is its own
/// register field, named `(agent, address, port)` and holding the weight, so an agent writes
/// only its own fields, a weight change is one atomic register write, and a change (or its
/// anti-entropy repair) costs bytes for that field, not for the VIP or for all VIPs. A named
/// VIP's key also holds its address claim (`address`: an index, see `NamedVIPAddresses`).
/// A key without backend fields is no VIP, and the agent removing the last backend deletes it.
public enum VIPStoreKeys {
    /// Every VIP key.
    public static let pattern = try! KeyPattern(["l4lb", "vips"])
    static let claimField: Value = .string("address")

    /// The key of `vip`.
    public static func key(_ vip: VIPKey) throws(StoreError) -> Key {
        switch vip.target {
        case let .address(address):
            try Key(["l4lb", "vips", vip.transport.rawValue, "ip", address.description, String(vip.port)])
        case let .name(name):
            try Key(["l4lb", "vips", vip.transport.rawValue, "name", name, String(vip.port)])
        }
    }

    /// The VIP a key holds, or nil when it is not a well-formed VIP key.
    public static func vip(of key: Key) -> VIPKey? {
        let segments = key.segments
        guard segments.count == 6, segments[0] == "l4lb", segments[1] == "vips",
              let transport = VIPProtocol(rawValue: segments[2]),
              let port = UInt16(segments[5]), port > 0
        else { return nil }
        switch segments[3] {
        case "ip":
            guard let address = IPAddress(segments[4]), address.description == segments[4] else { return nil }
            return VIPKey(transport, .address(address), port: port)
        case "name":
            return VIPKey(transport, .name(segments[4]), port: port)
        default:
            return nil
        }
    }

    /// The backends a key's value holds (absent or deleted: none). Malformed fields, written by
    /// a buggy or hostile writer, are skipped rather than trusted.
    public static func backends(_ value: ORMap?) -> [Backend] {
        guard let value else { return [] }
        var result: [Backend] = []
        for field in value.keys where field.type == .register {
            guard let endpoint = endpoint(named: field.name),
                  case let .integer(weight)? = value.register(field.name), weight >= 0
            else { continue }
            result.append(Backend(agent: endpoint.agent, address: endpoint.address, port: endpoint.port, weight: UInt32(clamping: weight)))
        }
        return result.sorted()
    }

    /// When each backend at weight 0 was drained: its weight's write time (wall-clock
    /// nanoseconds, as `nextTimestamp` wrote it).
    public static func drainedSince(_ value: ORMap?) -> [Backend.Endpoint: UInt64] {
        guard let value else { return [:] }
        var result: [Backend.Endpoint: UInt64] = [:]
        for field in value.keys where field.type == .register {
            guard let endpoint = endpoint(named: field.name), case let .register(register)? = value[field.name, .register],
                  case .integer(0)? = register.value, let timestamp = register.timestamp
            else { continue }
            result[endpoint] = timestamp
        }
        return result
    }

    /// The address indices a named VIP's key claims.
    public static func claims(_ value: ORMap?) -> Set<UInt32> {
        guard let value, case let .register(register)? = value[claimField, .register] else { return [] }
        // Concurrent claims coexist in the register until one is observed; every one counts,
        // so two replicas that have seen the same writes agree whatever the LWW winner.
        var claims: Set<UInt32> = []
        for entry in register.entries.entries.values {
            if case let .integer(index) = entry.value, index >= 0, index < Int64(NamedVIPAddresses.capacity) { claims.insert(UInt32(index)) }
        }
        return claims
    }

    /// Sets (adds, or changes the weight of) `backend`. `timestamp` must exceed the field's
    /// previous write (`nextTimestamp`), or the write loses to it.
    public static func operations(setting backend: Backend, timestamp: UInt64) -> [MapOperation] {
        [.update(fieldName(backend.endpoint), .assign(.integer(Int64(backend.weight)), timestamp: timestamp))]
    }

    /// Removes `endpoint`'s field.
    public static func operations(removing endpoint: Backend.Endpoint) -> [MapOperation] {
        [.remove(FieldKey(fieldName(endpoint), .register))]
    }

    /// Claims address `index` for a named VIP.
    public static func operations(claiming index: UInt32, timestamp: UInt64) -> [MapOperation] {
        [.update(claimField, .assign(.integer(Int64(index)), timestamp: timestamp))]
    }

    /// Removes a named VIP's address claim (with its last backend).
    public static func operationsRemovingClaim() -> [MapOperation] { [.remove(FieldKey(claimField, .register))] }

    /// A timestamp later than every write in `value` and not before `now`.
    public static func nextTimestamp(after value: ORMap?, now: UInt64) -> UInt64 {
        var latest: UInt64 = 0
        for field in value?.keys ?? [] where field.type == .register {
            if case let .register(register)? = value?[field.name, .register] {
                for entry in register.entries.entries.values { latest = max(latest, entry.timestamp) }
            }
        }
        return max(now, latest &+ 1)
    }

    static func fieldName(_ endpoint: Backend.Endpoint) -> Value {
        .tuple([.string(endpoint.agent), .ipAddress(endpoint.address), .integer(Int64(endpoint.port))])
    }

    static func endpoint(named name: Value) -> Backend.Endpoint? {
        guard case let .tuple(parts) = name, parts.count == 3,
              case let .string(agent) = parts[0], !agent.isEmpty,
              case let .ipAddress(address) = parts[1],
              case let .integer(port) = parts[2], port > 0, port <= 65535
        else { return nil }
        return Backend.Endpoint(agent: agent, address: address, port: UInt16(port))
    }
}
