import LashupCluster
@testable import LashupRuntime
import LashupStore
import Testing

@Suite("Watch registry")
struct WatchRegistryTests {
    func key(_ text: String) throws -> Key { try Key(parsing: text) }
    func pattern(_ text: String) throws -> KeyPattern { try KeyPattern(parsing: text) }

    @Test("a watch waits until a matching change; other keys do not end it; the result carries each key's index")
    func waitsForMatchingChange() throws {
        var registry = WatchRegistry<Int>(maximumWatches: 4)
        let vips = try pattern("minuteman/*")
        #expect(registry.pending(vips, after: 0) == nil)
        _ = registry.add(vips, after: 0, waiter: 7, reserved: false)
        #expect(registry.record(try key("dns/zones/a")).isEmpty)
        let completed = registry.record(try key("minuteman/vips"))
        #expect(completed.map(\.waiter) == [7])
        #expect(completed.first?.result.keys == [try key("minuteman/vips")])
        #expect(completed.first?.result.keyIndices == [2] && completed.first?.result.index == 2)
        #expect(registry.count == 0)
    }

    @Test("a watch after an old index gets what it missed at once, each key once at its latest index")
    func catchesUp() throws {
        var registry = WatchRegistry<Int>(maximumWatches: 4)
        for text in ["a/1", "b/1", "a/1", "a/2"] { _ = registry.record(try key(text)) }
        let result = try #require(registry.pending(try pattern("a/*"), after: 1))
        #expect(result.keys == [try key("a/1"), try key("a/2")] && result.keyIndices == [3, 4] && !result.reset)
        #expect(registry.pending(try pattern("a/*"), after: 4) == nil)
    }

    @Test("a watch from before the log's reach is told to reset, never given a silent gap")
    func resetsBeyondTheLog() throws {
        var registry = WatchRegistry<Int>(maximumWatches: 4, logCapacity: 3)
        for index in 1...5 { _ = registry.record(try key("k/\(index)")) }
        #expect(registry.pending(try pattern(""), after: 1)?.reset == true)
        #expect(registry.pending(try pattern(""), after: 2)?.reset == false)
    }

    @Test("full: unreserved watches are refused with the limit, reserved ones still admitted")
    func bounded() throws {
        var registry = WatchRegistry<Int>(maximumWatches: 2)
        for waiter in 1...2 {
            try registry.admit(reserved: false)
            _ = registry.add(try pattern(""), after: 0, waiter: waiter, reserved: false)
        }
        #expect(throws: ClusterError.tooManySubscriptions(limit: 2)) { try registry.admit(reserved: false) }
        try registry.admit(reserved: true)
        _ = registry.add(try pattern(""), after: 0, waiter: 3, reserved: true)
        #expect(registry.count == 3)
    }

    @Test("an expired watch ends once, empty, at the index it started from, and no later change reaches it")
    func expires() throws {
        var registry = WatchRegistry<Int>(maximumWatches: 4)
        _ = registry.record(try key("other/1"))
        let id = registry.add(try pattern("a/*"), after: 0, waiter: 9, reserved: false)
        let ended = registry.expire(id)
        let expired = try #require(ended)
        #expect(expired.waiter == 9 && expired.result.keys.isEmpty && expired.result.index == 1)
        let again = registry.expire(id)
        #expect(again == nil)
        #expect(registry.record(try key("a/1")).isEmpty)
    }

    @Test("finishing ends every watch")
    func finishes() throws {
        var registry = WatchRegistry<Int>(maximumWatches: 4)
        _ = registry.add(try pattern("a/*"), after: 0, waiter: 1, reserved: false)
        _ = registry.add(try pattern("b/*"), after: 0, waiter: 2, reserved: true)
        #expect(registry.finishAll().map(\.waiter).sorted() == [1, 2])
        #expect(registry.count == 0)
    }
}
