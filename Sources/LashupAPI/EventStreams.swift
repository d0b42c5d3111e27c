import HTTPTypes
import Hummingbird
import LashupCluster
import LashupStore
import NIOCore
import Synchronization

/// Server-Sent Events: the live forms of `/lashup/watch` (`Accept: text/event-stream`) and of
/// the member table (`/lashup/members/stream`).
///
/// A watch stream sends one `change` event per changed key, its `id:` the key's change index,
/// so a client that reconnects with `Last-Event-ID` gets exactly the changes after the last
/// one it saw; a `reset` event when the bounded change log no longer reaches back that far
/// (re-read, then follow from its id); and a comment line as a heartbeat every
/// `heartbeatSeconds`. At most `maximumStreams` streams are open; beyond, 503.
public enum EventStreams {
    /// Most live streams open at once.
    public static let maximumStreams = 64
    static let heartbeat = Duration.seconds(15)
    static let open = Atomic<Int>(0)

    /// Takes a stream slot, or says why not.
    static func reserveSlot() throws(APIError) {
        let taken = open.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        guard taken <= maximumStreams else {
            open.wrappingSubtract(1, ordering: .acquiringAndReleasing)
            throw .unavailable("too many live streams (limit \(maximumStreams)); close one or use the blocking watch")
        }
    }

    static func releaseSlot() { open.wrappingSubtract(1, ordering: .acquiringAndReleasing) }

    static func wantsEvents(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("text/event-stream") ?? false
    }

    static let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    /// One SSE event as bytes.
    static func event(_ name: String, id: UInt64?, data: JSONValue) -> ByteBuffer {
        var text = ""
        if let id { text += "id: \(id)\n" }
        text += "event: \(name)\ndata: \(data.text)\n\n"
        return ByteBuffer(string: text)
    }

    /// The watch of `pattern` from `after` as a stream.
    static func watch(_ pattern: KeyPattern, after start: UInt64?, cluster: any Cluster, introspection: any ClusterIntrospection) throws(APIError) -> Response {
        try reserveSlot()
        let body = ResponseBody { writer in
            defer { releaseSlot() }
            var index: UInt64
            if let start { index = start } else { index = await introspection.changeIndex() }
            try await writer.write(ByteBuffer(string: ": watching \(pattern) after \(index)\n\n"))
            while !Task.isCancelled {
                let result: WatchResult
                do {
                    result = try await introspection.watch(pattern, after: index, timeout: heartbeat)
                } catch {
                    try await writer.write(event("error", id: nil, data: .object(["error": .string("\(error)")])))
                    break
                }
                if result.reset {
                    try await writer.write(event("reset", id: result.index, data: .object(["reset": .bool(true), "index": .integer(Int64(clamping: result.index))])))
                    index = result.index
                    continue
                }
                if result.keys.isEmpty {
                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    index = max(index, result.index)
                    continue
                }
                for (key, keyIndex) in zip(result.keys, result.keyIndices) {
                    let value = await cluster.value(key)
                    let data: JSONValue = .object(["key": .string(key.description), "value": value.map { StoreJSON.json($0.store) } ?? .null])
                    try await writer.write(event("change", id: keyIndex, data: data))
                    index = keyIndex
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Member snapshots as a stream: the whole table first, then again on each change.
    static func members(_ cluster: any Cluster) async throws(APIError) -> Response {
        let snapshots: MemberSnapshots
        do {
            snapshots = try await cluster.reachability()
        } catch {
            throw .unavailable("\(error)")
        }
        try reserveSlot()
        let body = ResponseBody { writer in
            defer { releaseSlot() }
            // Snapshots and heartbeats merged into one sequence the writer drains.
            let (events, sink) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(8))
            let forward = Task {
                for await snapshot in snapshots { sink.yield(event("members", id: nil, data: .array(snapshot.map(memberJSON)))) }
                sink.finish()
            }
            let beat = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: heartbeat)
                    sink.yield(ByteBuffer(string: ": heartbeat\n\n"))
                }
            }
            defer {
                forward.cancel()
                beat.cancel()
            }
            for await buffer in events { try await writer.write(buffer) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func memberJSON(_ member: MemberSnapshot) -> JSONValue {
        .object([
            "name": .string(member.name), "address": .string(member.address),
            "incarnation": .integer(Int64(clamping: member.incarnation)), "reachable": .bool(member.reachable),
            "distance": member.distance.map { .integer(Int64($0)) } ?? .null, "leaving": .bool(member.leaving), "self": .bool(member.isSelf),
            "private_ip": .string(member.metadata.privateIP), "public_ips": .array(member.metadata.publicIPs.map(JSONValue.string)),
        ])
    }
}
