import DeskModel
import Testing

@Suite("indexed heap") struct IndexedHeapTests {
    /// `smallest(k)` is the first `k` of the sorted entries, and leaves the heap as it was.
    @Test func smallestIsASortedPrefix() {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 2, 7, 100, 1000] {
            var heap = IndexedHeap<Int, Int>()
            var orders: [Int: Int] = [:]
            for key in 0..<size {
                let order = Int.random(in: 0..<500, using: &generator)
                heap.upsert(key, order: order)
                orders[key] = order
            }
            for key in stride(from: 0, to: size, by: 3) {  // some removed and some moved, as the SLA timers do
                _ = heap.remove(key)
                orders.removeValue(forKey: key)
            }
            let expected = orders.values.sorted()
            for k in [0, 1, 5, 64, size + 1] {
                #expect(heap.smallest(k).map(\.order) == Array(expected.prefix(k)), "size \(size), k \(k)")
            }
            #expect(heap.count == orders.count)
        }
    }
}
