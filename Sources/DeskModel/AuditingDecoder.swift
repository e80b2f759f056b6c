/// A `Decoder` that forwards to another and records in a `KeyLog` which keys each object holds and which
/// of them the decoded type read. Values below a key are decoded through another `AuditingDecoder`
/// (by way of `superDecoder`), so nested objects are audited too. Used by `Strict`.
struct AuditingDecoder: Decoder {
    let base: any Decoder
    let log: KeyLog

    init(_ base: any Decoder, log: KeyLog) {
        self.base = base
        self.log = log
    }

    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let inner = try base.container(keyedBy: StrictKey.self)
        let object = log.opened(inner.codingPath.map(\.component), keys: inner.allKeys.map(\.stringValue))
        return KeyedDecodingContainer(AuditingKeyedContainer<Key>(inner: inner, log: log, object: object))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        AuditingUnkeyedContainer(inner: try base.unkeyedContainer(), log: log)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        AuditingSingleValue(inner: try base.singleValueContainer(), decoder: self)
    }
}

struct AuditingKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let inner: KeyedDecodingContainer<StrictKey>
    let log: KeyLog
    let object: OpenedObject

    var codingPath: [any CodingKey] { inner.codingPath }
    var allKeys: [Key] { inner.allKeys.compactMap { Key(stringValue: $0.stringValue) } }

    private func any(_ key: Key) -> StrictKey {
        object.read.insert(key.stringValue)
        return StrictKey(stringValue: key.stringValue)
    }

    func contains(_ key: Key) -> Bool { inner.contains(any(key)) }
    func decodeNil(forKey key: Key) throws -> Bool { try inner.decodeNil(forKey: any(key)) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try inner.decode(type, forKey: any(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try inner.decode(type, forKey: any(key)) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let name = any(key)
        // A leaf holds no keys to audit: the base decodes it directly (the common case, and the cheap one).
        // A missing key must still say `keyNotFound`, as the base would.
        guard !(T.self is any KeylessDecodable.Type), inner.contains(name) else { return try inner.decode(type, forKey: name) }
        return try T(from: AuditingDecoder(try inner.superDecoder(forKey: name), log: log))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        let name = any(key)
        if T.self is any KeylessDecodable.Type { return try inner.decodeIfPresent(type, forKey: name) }
        guard inner.contains(name), try !inner.decodeNil(forKey: name) else { return nil }
        return try T(from: AuditingDecoder(try inner.superDecoder(forKey: name), log: log))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type,
                                               forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try AuditingDecoder(try inner.superDecoder(forKey: any(key)), log: log).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        AuditingUnkeyedContainer(inner: try inner.nestedUnkeyedContainer(forKey: any(key)), log: log)
    }

    func superDecoder() throws -> any Decoder { AuditingDecoder(try inner.superDecoder(), log: log) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        AuditingDecoder(try inner.superDecoder(forKey: any(key)), log: log)
    }
}

struct AuditingUnkeyedContainer: UnkeyedDecodingContainer {
    var inner: any UnkeyedDecodingContainer
    let log: KeyLog

    var codingPath: [any CodingKey] { inner.codingPath }
    var count: Int? { inner.count }
    var isAtEnd: Bool { inner.isAtEnd }
    var currentIndex: Int { inner.currentIndex }

    mutating func decodeNil() throws -> Bool { try inner.decodeNil() }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try inner.decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try inner.decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try inner.decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try inner.decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try inner.decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try inner.decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try inner.decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try inner.decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try inner.decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try inner.decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try inner.decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try inner.decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try inner.decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try inner.decode(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self is any KeylessDecodable.Type { return try inner.decode(type) }
        return try T(from: AuditingDecoder(try inner.superDecoder(), log: log))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey> {
        try AuditingDecoder(try inner.superDecoder(), log: log).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        AuditingUnkeyedContainer(inner: try inner.nestedUnkeyedContainer(), log: log)
    }

    mutating func superDecoder() throws -> any Decoder { AuditingDecoder(try inner.superDecoder(), log: log) }
}

struct AuditingSingleValue: SingleValueDecodingContainer {
    let inner: any SingleValueDecodingContainer
    let decoder: AuditingDecoder

    var codingPath: [any CodingKey] { inner.codingPath }

    func decodeNil() -> Bool { inner.decodeNil() }
    func decode(_ type: Bool.Type) throws -> Bool { try inner.decode(type) }
    func decode(_ type: String.Type) throws -> String { try inner.decode(type) }
    func decode(_ type: Double.Type) throws -> Double { try inner.decode(type) }
    func decode(_ type: Float.Type) throws -> Float { try inner.decode(type) }
    func decode(_ type: Int.Type) throws -> Int { try inner.decode(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try inner.decode(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try inner.decode(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try inner.decode(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try inner.decode(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try inner.decode(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try inner.decode(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try inner.decode(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try inner.decode(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try inner.decode(type) }
    /// A value decoded from a single-value container decodes from the same (audited) decoder.
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }
}

/// Values that hold no keyed object (text, numbers, lists of them): nothing below them to audit.
protocol KeylessDecodable {}
extension String: KeylessDecodable {}
extension Bool: KeylessDecodable {}
extension Int: KeylessDecodable {}
extension Int32: KeylessDecodable {}
extension Int64: KeylessDecodable {}
extension UInt32: KeylessDecodable {}
extension UInt64: KeylessDecodable {}
extension Double: KeylessDecodable {}
extension Array: KeylessDecodable where Element: KeylessDecodable {}
