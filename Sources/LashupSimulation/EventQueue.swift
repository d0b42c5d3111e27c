/// A min-heap of events ordered by (time, insertion sequence): events at the same instant run
/// in the order they were scheduled, so a run is a pure function of its seed.
struct EventQueue<Payload> {
    struct Entry {
        var time: Int64
        var sequence: UInt64
        var payload: Payload
    }

    private var heap: [Entry] = []
    private var nextSequence: UInt64 = 0

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }
    var nextTime: Int64? { heap.first?.time }

    mutating func push(_ payload: Payload, at time: Int64) {
        nextSequence += 1
        heap.append(Entry(time: time, sequence: nextSequence, payload: payload))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard !heap.isEmpty else { return nil }
        if heap.count == 1 { return heap.removeLast() }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            let right = left + 1
            var smallest = left
            if right < heap.count && precedes(heap[right], heap[left]) { smallest = right }
            guard precedes(heap[smallest], heap[parent]) else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }

    private func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }
}
