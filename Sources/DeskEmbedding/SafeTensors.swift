import Foundation

/// A safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's type,
/// shape and byte range, then the tensors' bytes.
///
/// Every refusal names its problem; the header's length and each tensor's range are checked against the
/// file's size before anything is read. The file is memory-mapped; `floats(_:shape:)` copies one tensor out.
/// Assumes a little-endian host (x86-64, arm64), as the format's data is little-endian.
struct SafeTensors {
    /// One tensor as the header describes it.
    struct Entry: Equatable {
        let dtype: String
        let shape: [Int]
        /// Byte range within the data that follows the header.
        let offsets: Range<Int>
    }

    /// The header may not exceed this (the format's own limit is 100 MB).
    static let maximumHeaderLength = 100_000_000
    /// Bytes per element of the types the format defines.
    static let elementSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
        "U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1,
    ]

    /// The tensors by name.
    let entries: [String: Entry]
    /// The file's name, for error messages.
    let name: String
    private let bytes: Data
    private let dataStart: Int

    /// Maps and checks the file at `url`.
    init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw EmbeddingError.malformed(url.path, "cannot be read (\(error.localizedDescription))")
        }
        try self.init(data: data, name: url.lastPathComponent)
    }

    /// Checks a whole safetensors file held in `data`.
    init(data: Data, name: String) throws {
        self.name = name
        let bytes = data.count == 0 || data.startIndex == 0 ? data : Data(data)
        guard bytes.count >= 8 else {
            throw EmbeddingError.malformed(name, "is \(bytes.count) bytes long, too short for the 8-byte header length")
        }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(Self.maximumHeaderLength) else {
            throw EmbeddingError.malformed(name, "its header length \(length) exceeds \(Self.maximumHeaderLength) bytes: not a safetensors file")
        }
        guard Int(length) <= bytes.count - 8 else {
            throw EmbeddingError.malformed(name, "is truncated: its header alone should be \(length) bytes but \(bytes.count - 8) follow")
        }
        let dataStart = 8 + Int(length)
        let header: [String: HeaderEntry]
        do {
            header = try JSONDecoder().decode([String: HeaderEntry].self, from: bytes[8..<dataStart])
        } catch {
            throw EmbeddingError.malformed(name, "its header is not a JSON object of tensors (\(error))")
        }
        let available = bytes.count - dataStart
        var entries: [String: Entry] = [:]
        for (tensor, item) in header where tensor != "__metadata__" {
            entries[tensor] = try Self.check(item, tensor: tensor, available: available, name: name)
        }
        self.entries = entries
        self.bytes = bytes
        self.dataStart = dataStart
    }

    /// The F32 tensor `tensor`, which must have exactly `shape`, as row-major floats.
    func floats(_ tensor: String, shape: [Int]) throws -> [Float] {
        guard let entry = entries[tensor] else {
            throw EmbeddingError.malformed(name, "has no tensor \(tensor)")
        }
        guard entry.dtype == "F32" else {
            throw EmbeddingError.unsupported(name, "tensor \(tensor) is \(entry.dtype); only F32 is read")
        }
        guard entry.shape == shape else {
            throw EmbeddingError.malformed(name, "tensor \(tensor) has shape \(entry.shape), expected \(shape)")
        }
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        let start = dataStart + entry.offsets.lowerBound
        values.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<start + entry.offsets.count]))
            }
        }
        return values
    }

    /// A header item; `__metadata__` decodes with every field nil and is skipped.
    private struct HeaderEntry: Decodable {
        let dtype: String?
        let shape: [Int]?
        let offsets: [Int]?

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case offsets = "data_offsets"
        }
    }

    private static func check(_ item: HeaderEntry, tensor: String, available: Int, name: String) throws -> Entry {
        guard let dtype = item.dtype, let shape = item.shape, let offsets = item.offsets, offsets.count == 2 else {
            throw EmbeddingError.malformed(name, "tensor \(tensor) lacks dtype, shape or a pair of data_offsets")
        }
        guard let size = elementSizes[dtype] else {
            throw EmbeddingError.malformed(name, "tensor \(tensor) has unknown dtype \(dtype)")
        }
        guard shape.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }), offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw EmbeddingError.malformed(name, "tensor \(tensor) has a negative shape or a reversed byte range")
        }
        guard offsets[1] <= available else {
            throw EmbeddingError.malformed(name, "is truncated: tensor \(tensor) ends at byte \(offsets[1]) of the data but only \(available) are present")
        }
        let (elements, overflow) = shape.reduce((1, false)) { partial, dimension in
            let (product, flag) = partial.0.multipliedReportingOverflow(by: dimension)
            return (product, partial.1 || flag)
        }
        guard !overflow, elements.multipliedReportingOverflow(by: size) == (offsets[1] - offsets[0], false) else {
            throw EmbeddingError.malformed(name, "tensor \(tensor) has shape \(shape) of \(dtype) but \(offsets[1] - offsets[0]) bytes")
        }
        return Entry(dtype: dtype, shape: shape, offsets: offsets[0]..<offsets[1])
    }
}
