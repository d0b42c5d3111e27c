import Foundation
import LashupAPI
import LashupClient
import LashupRuntime
import Testing

/// The REST API against a real in-process agent, over real HTTP.
@Suite("REST API")
struct AgentRoutesTests {
    @Test("update, read back as typed JSON, list by prefix, delete")
    func readWrite() async throws {
        let server = try await APIServerFixture.start()
        let body = #"{"operations":[{"op":"set","field":"port","value":80},{"op":"add","field":"backends","value":"10.0.0.1:80"},{"op":"incr","field":"hits","by":5},{"op":"enable","field":"up"},{"op":"update","field":"meta","operations":[{"op":"set","field":"owner","value":"team-a"}]}]}"#
        let updated = try await server.put("/lashup/kv/svc/web", body)
        #expect(updated.status == 200)
        let value = try await server.client.json(.GET, "/lashup/kv/svc/web")["value"]
        #expect(value == .object([
            "port": .integer(80), "backends": .array([.string("10.0.0.1:80")]), "hits": .integer(5), "up": .bool(true),
            "meta": .object(["owner": .string("team-a")]),
        ]))
        _ = try await server.put("/lashup/kv/svc/db", #"[{"op":"add","field":"backends","value":"10.0.0.2:5432"}]"#)
        _ = try await server.put("/lashup/kv/other/x", #"[{"op":"incr","field":"n"}]"#)
        let listed = try await server.client.json(.GET, "/lashup/kv?prefix=svc")
        #expect(listed["keys"] == .array([.string("svc/db"), .string("svc/web")]))
        let deleted = try await server.client.json(.DELETE, "/lashup/kv/svc/db")
        #expect(deleted["deleted"] == .bool(true))
        #expect(try await server.client.request(.GET, "/lashup/kv/svc/db").status == 404)
        // Every key, this node's own metadata record included.
        #expect(try await server.client.json(.GET, "/lashup/kv")["keys"] == .array([.string("nodes/api-test"), .string("other/x"), .string("svc/web")]))
        await server.stop()
    }

    @Test("bad documents are 400s whose message names the problem", arguments: [
        ("{not json", "invalid JSON"),
        (#"{"ops": []}"#, "expected {\"operations\""),
        (#"[]"#, "is empty"),
        (#"[{"op":"explode","field":"x"}]"#, "\"explode\" is not one of"),
        (#"[{"op":"set","value":1}]"#, "operations[0].field"),
        (#"[{"op":"add","field":"s","value":[1]}]"#, "must be a string, an integer or a boolean"),
        (#"[{"op":"incr","field":"n","by":"lots"}]"#, ".by must be an integer"),
        (#"[{"op":"remove_field","field":"n","type":"blob"}]"#, "\"blob\" is not one of"),
    ])
    func badDocuments(body: String, expected: String) async throws {
        let server = try await APIServerFixture.start()
        let response = try await server.put("/lashup/kv/a/b", body)
        #expect(response.status == 400)
        guard case let .string(message)? = response.json?["error"] else {
            Issue.record("no error message in \(String(decoding: response.body, as: UTF8.self))")
            await server.stop()
            return
        }
        #expect(message.contains(expected), "\(message)")
        #expect(try await server.client.request(.GET, "/lashup/kv/a/b").status == 404, "a refused update changed the key")
        await server.stop()
    }

    @Test("a watch returns the next matching change, and times out empty")
    func watch() async throws {
        let server = try await APIServerFixture.start()
        let client = server.client
        // Start from an index read first, so the watch sees the updates even if it reaches the
        // agent after them (a loaded machine can delay it by seconds).
        guard case let .integer(start)? = try await client.json(.GET, "/lashup/watch?pattern=svc&timeout=0")["index"] else {
            Issue.record("no index from an empty watch")
            await server.stop()
            return
        }
        async let watched = client.json(.GET, "/lashup/watch?pattern=svc&after=\(start)&timeout=10")
        try await Task.sleep(for: .milliseconds(200))
        _ = try await server.put("/lashup/kv/other/k", #"[{"op":"incr","field":"n"}]"#)
        _ = try await server.put("/lashup/kv/svc/web", #"[{"op":"incr","field":"n","by":2}]"#)
        let result = try await watched
        #expect(result["changes"] == .array([.object(["key": .string("svc/web"), "value": .object(["n": .integer(2)])])]))
        guard case let .integer(index)? = result["index"] else {
            Issue.record("no index in \(result.text)")
            await server.stop()
            return
        }
        let empty = try await client.json(.GET, "/lashup/watch?pattern=svc&after=\(index)&timeout=1")
        #expect(empty["changes"] == .array([]))
        #expect(try await client.request(.GET, "/lashup/watch?pattern=svc&timeout=100000").status == 400)
        await server.stop()
    }

    @Test("with a token, requests without it are refused")
    func token() async throws {
        let server = try await APIServerFixture.start(token: "s3cret")
        let anonymous = try APIClient(api: "\(server.client.host):\(server.client.port)", token: nil)
        #expect(try await anonymous.request(.GET, "/lashup/members").status == 401)
        #expect(try await server.client.request(.GET, "/lashup/members").status == 200)
        await server.stop()
    }

    @Test("members, version and metrics describe the node")
    func describe() async throws {
        let server = try await APIServerFixture.start()
        let members = try await server.client.json(.GET, "/lashup/members")
        guard case let .array(list) = members, let me = list.first else {
            Issue.record("members: \(members.text)")
            await server.stop()
            return
        }
        #expect(list.count == 1)
        #expect(me["name"] == .string("api-test") && me["reachable"] == .bool(true) && me["self"] == .bool(true))
        #expect(me["incarnation"] == .integer(Int64(server.agent.incarnation)))
        #expect(me["state"] == .string("self"))
        let split = try await server.client.json(.GET, "/lashup/split")
        #expect(split["split"] == .bool(false) && split["since_ms_ago"] == .null, "\(split.text)")
        #expect(split["unreachable_contacts"] == .array([]) && split["unreachable_members"] == .integer(0) && split["episodes"] == .integer(0))
        #expect(try await server.client.json(.GET, "/v1/version")["version"] == .string(AgentRoutes.version))
        _ = try await server.put("/lashup/kv/a", #"[{"op":"incr","field":"n"}]"#)
        let metrics = String(decoding: try await server.client.request(.GET, "/metrics").body, as: UTF8.self)
        // Two: the agent's own metadata record at start, then `a`.
        #expect(metrics.contains("lashup_store_updates_total 2"), "\(metrics)")
        for name in ["lashup_view_active_size", "lashup_pings_sent_total", "lashup_evictions_total", "lashup_broadcasts_total", "lashup_antientropy_sessions_total", "lashup_inbox_depth", "lashup_transport_queued_bytes", "lashup_overlay_split 0", "lashup_contacts_unreachable 0", "lashup_partition_probes_sent_total"] {
            #expect(metrics.contains(name), "\(name) missing")
        }
        await server.stop()
    }
}
