/// A min-heap of events ordered by (time, insertion sequence): events at the same instant run
/// in the order they were scheduled, so a run is a pure function of its seed.
///
/// The heap holds only plain keys (time, sequence, slot); payloads stay put in `slots` and
/// are moved out once, when popped. Sifting whole entries copied every payload (a message
/// with its arrays) and retained and released it at each level: a fifth of a 200-node run.
struct EventQueue<Payload> {
    struct Entry {
        var time: Int64
        var sequence: UInt64
        var payload: Payload
    }

    private struct Key {
        var time: Int64
        var sequence: UInt64
        var slot: Int32

        func precedes(_ other: Key) -> Bool {
            time != other.time ? time < other.time : sequence < other.sequence
        }
    }

    private var heap: [Key] = []
    private var slots: [Payload?] = []
    private var freeSlots: [Int32] = []
    private var nextSequence: UInt64 = 0

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }
    var nextTime: Int64? { heap.first?.time }

    mutating func push(_ payload: Payload, at time: Int64) {
        nextSequence += 1
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(free)] = payload
        } else {
            slot = Int32(slots.count)
            slots.append(payload)
        }
        let key = Key(time: time, sequence: nextSequence, slot: slot)
        heap.append(key)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard key.precedes(heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = key
    }

    mutating func pop() -> Entry? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty { siftDown(last) }
        let payload = slots[Int(top.slot)].take()!
        freeSlots.append(top.slot)
        return Entry(time: top.time, sequence: top.sequence, payload: payload)
    }

    /// Places `key` at the root and moves it down to its place.
    private mutating func siftDown(_ key: Key) {
        var parent = 0
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            let smallest = right < count && heap[right].precedes(heap[left]) ? right : left
            guard heap[smallest].precedes(key) else { break }
            heap[parent] = heap[smallest]
            parent = smallest
        }
        heap[parent] = key
    }
}
