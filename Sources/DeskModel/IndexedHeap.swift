/// A binary min-heap of unique keys with an index, so any key's priority can be changed or the key
/// removed in O(log n). The dispatcher's queues and agent pools are built on it.
public struct IndexedHeap<Key: Hashable, Order: Comparable> {
    private var entries: [(key: Key, order: Order)] = []
    private var positions: [Key: Int] = [:]

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// The key with the smallest order, without removing it.
    public var first: (key: Key, order: Order)? { entries.first }

    /// The `k` smallest entries, smallest first, without changing the heap: O(k log k), whatever its size.
    public func smallest(_ k: Int) -> [(key: Key, order: Order)] {
        guard k > 0, !entries.isEmpty else { return [] }
        var frontier = IndexedHeap<Int, Order>()
        frontier.upsert(0, order: entries[0].order)
        var out: [(key: Key, order: Order)] = []
        while out.count < k, let next = frontier.popFirst() {
            out.append(entries[next.key])
            for child in [2 * next.key + 1, 2 * next.key + 2] where child < entries.count {
                frontier.upsert(child, order: entries[child].order)
            }
        }
        return out
    }

    public func contains(_ key: Key) -> Bool { positions[key] != nil }

    public func order(of key: Key) -> Order? { positions[key].map { entries[$0].order } }

    /// Inserts `key`, or moves it if present.
    public mutating func upsert(_ key: Key, order: Order) {
        if let index = positions[key] {
            let old = entries[index].order
            entries[index].order = order
            if order < old { siftUp(index) } else { siftDown(index) }
        } else {
            entries.append((key, order))
            positions[key] = entries.count - 1
            siftUp(entries.count - 1)
        }
    }

    /// Removes and returns the smallest.
    @discardableResult
    public mutating func popFirst() -> (key: Key, order: Order)? {
        guard let top = entries.first else { return nil }
        remove(top.key)
        return top
    }

    /// Removes `key` if present; returns whether it was.
    @discardableResult
    public mutating func remove(_ key: Key) -> Bool {
        guard let index = positions.removeValue(forKey: key) else { return false }
        let last = entries.count - 1
        if index != last {
            entries.swapAt(index, last)
            positions[entries[index].key] = index
        }
        entries.removeLast()
        if index < entries.count {
            siftDown(index)
            siftUp(index)
        }
        return true
    }

    /// All keys, in no particular order.
    public var keys: [Key] { entries.map(\.key) }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].order < entries[parent].order else { return }
            swapEntries(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count && entries[left].order < entries[smallest].order { smallest = left }
            if right < entries.count && entries[right].order < entries[smallest].order { smallest = right }
            guard smallest != parent else { return }
            swapEntries(parent, smallest)
            parent = smallest
        }
    }

    private mutating func swapEntries(_ a: Int, _ b: Int) {
        entries.swapAt(a, b)
        positions[entries[a].key] = a
        positions[entries[b].key] = b
    }
}

extension IndexedHeap: Sendable where Key: Sendable, Order: Sendable {}
