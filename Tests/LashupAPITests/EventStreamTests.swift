import Foundation
import LashupAPI
import LashupClient
import LashupRuntime
import Testing

/// Server-Sent Events on the watch endpoint and the member table, over real HTTP.
@Suite("Live streams", .serialized)
struct EventStreamTests {
    /// The next `count` change events' keys and ids.
    static func take(_ count: Int, from events: AsyncThrowingStream<ServerSentEvent, any Error>) async throws -> [(key: String, id: String?)] {
        var taken: [(key: String, id: String?)] = []
        for try await event in events where event.event == "change" {
            let change = try JSONValue.parse(Array(event.data.utf8))
            guard case let .string(key)? = change["key"] else { continue }
            taken.append((key, event.id))
            if taken.count == count { break }
        }
        return taken
    }

    @Test("a watch stream prints changes live; resuming with Last-Event-ID misses nothing and repeats nothing")
    func watchAndResume() async throws {
        let server = try await APIServerFixture.start()
        let first = try await server.client.events("/lashup/watch?pattern=svc")
        _ = try await server.put("/lashup/kv/svc/a", #"[{"op":"incr","field":"n"}]"#)
        _ = try await server.put("/lashup/kv/other/x", #"[{"op":"incr","field":"n"}]"#)
        _ = try await server.put("/lashup/kv/svc/b", #"[{"op":"incr","field":"n"}]"#)
        let live = try await Self.take(2, from: first)
        #expect(live.map(\.key) == ["svc/a", "svc/b"], "other/x does not match")
        let lastSeen = try #require(live.last?.id)

        // Disconnected: two more changes, one to a key already seen.
        _ = try await server.put("/lashup/kv/svc/c", #"[{"op":"incr","field":"n"}]"#)
        _ = try await server.put("/lashup/kv/svc/a", #"[{"op":"incr","field":"n"}]"#)
        let resumed = try await Self.take(2, from: try await server.client.events("/lashup/watch?pattern=svc", lastEventID: lastSeen))
        #expect(resumed.map(\.key) == ["svc/c", "svc/a"], "exactly the changes after \(lastSeen)")
        let ids = (live + resumed).compactMap { $0.id.flatMap(UInt64.init) }
        #expect(ids == ids.sorted() && Set(ids).count == 4, "ids rise: \(ids)")
        await server.stop()
    }

    @Test("a bad Last-Event-ID is a 400, and streams beyond the bound get 503")
    func bounds() async throws {
        let server = try await APIServerFixture.start()
        await #expect(throws: RuntimeError.self) { try await server.client.events("/lashup/watch", lastEventID: "soon") }
        var open: [AsyncThrowingStream<ServerSentEvent, any Error>] = []
        for _ in 0..<EventStreams.maximumStreams { open.append(try await server.client.events("/lashup/watch?pattern=none")) }
        do {
            _ = try await server.client.events("/lashup/watch?pattern=none")
            Issue.record("stream \(EventStreams.maximumStreams + 1) was accepted")
        } catch {
            #expect(error.description.contains("too many live streams"), "\(error)")
        }
        open.removeAll()
        await server.stop()
    }

    @Test("the member stream starts with the whole table")
    func members() async throws {
        let server = try await APIServerFixture.start()
        let events = try await server.client.events("/lashup/members/stream")
        var first: ServerSentEvent?
        for try await event in events where event.event == "members" {
            first = event
            break
        }
        let table = try JSONValue.parse(Array(try #require(first).data.utf8))
        guard case let .array(rows) = table else { Issue.record("not an array: \(table.text)"); return }
        #expect(rows.count == 1 && rows.first?["self"] == JSONValue.bool(true), "\(table.text)")
        #expect(rows.first?["private_ip"] == JSONValue.string("127.0.0.1"))
        await server.stop()
    }
}
