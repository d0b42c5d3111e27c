import LashupRuntime
import LashupStore
import Testing

@Suite("Change log for watches")
struct ChangeLogTests {
    func key(_ text: String) throws -> Key { try Key(parsing: text) }

    @Test("changes after an index, matching a pattern, each key once in order of its latest change")
    func matching() throws {
        var log = ChangeLog(capacity: 100)
        for text in ["a/1", "b/1", "a/2", "a/1"] { log.record(try key(text)) }
        #expect(log.lastIndex == 4)
        #expect(log.changes(after: 0, matching: try KeyPattern(parsing: "a")) == [try key("a/2"), try key("a/1")])
        #expect(log.changes(after: 3, matching: try KeyPattern(parsing: "a")) == [try key("a/1")])
        #expect(log.changes(after: 4, matching: try KeyPattern(parsing: "")) == [])
        #expect(log.changes(after: 0, matching: try KeyPattern(parsing: "c")) == [])
    }

    @Test("a watcher that fell behind the bounded log is told to re-read instead of missing changes")
    func overflow() throws {
        var log = ChangeLog(capacity: 3)
        for index in 0..<10 { log.record(try key("k/\(index)")) }
        // Ten changes, indices 1...10; the log keeps 8, 9 and 10 (keys k/7, k/8, k/9).
        #expect(log.changes(after: 7, matching: try KeyPattern(parsing: "")) == [try key("k/7"), try key("k/8"), try key("k/9")])
        #expect(log.changes(after: 6, matching: try KeyPattern(parsing: "")) == nil)
        #expect(log.changes(after: 0, matching: try KeyPattern(parsing: "")) == nil)
    }
}
