import Foundation

/// Reads and writes NumPy's `.npy` files (format versions 1–3, little-endian, C order).
///
/// Element types read: float32, float64, int8/16/32/64, uint8/16/32/64 and bool, all
/// converted to `Float`. Files are written as float32.
public enum NumpyFile {
    /// Reads an array of one or two axes.
    ///
    /// - Throws: `ModelError.file` naming the path and what is wrong (missing file, bad magic,
    ///   truncated header or data, unsupported type or order).
    public static func read(_ path: String) throws(ModelError) -> Tensor {
        let data = try DataFiles.contents(of: path)
        return try decode(data, path: path)
    }

    /// Decodes the bytes of an `.npy` file; `path` only names it in errors.
    public static func decode(_ data: Data, path: String) throws(ModelError) -> Tensor {
        let bytes = [UInt8](data)
        let layout = try parseHeader(bytes, fileSize: bytes.count, path: path)
        let scalars = bytes.withUnsafeBytes { raw in
            (0..<layout.count).map {
                layout.element.load(raw, at: layout.start + $0 * layout.element.size)
            }
        }
        try scalars.withUnsafeBufferPointer { v throws(ModelError) in
            try requireFinite(v, shape: layout.shape, path: path)
        }
        return Tensor(shape: layout.shape, scalars: scalars)
    }

    /// Where the values of an `.npy` file are and what they are, from its first bytes.
    private static func parseHeader(_ bytes: [UInt8], fileSize: Int, path: String)
        throws(ModelError)
        -> (shape: Shape, element: ElementType, start: Int, count: Int)
    {
        func fail(_ problem: String) -> ModelError { .file(path: path, problem: problem) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a NumPy .npy file (the magic string \\x93NUMPY is missing)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated .npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw fail("unsupported .npy format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated .npy header") }
        let header = String(
            decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header),
            let fortran = field("fortran_order", in: header),
            let shapeText = field("shape", in: header)
        else {
            throw fail(
                "malformed .npy header: \(header.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard fortran == "False" else {
            throw fail(
                "Fortran-ordered arrays are not supported; save with np.ascontiguousarray(a)")
        }
        let shape = try parseShape(shapeText, fail: fail)
        guard shape.count == 1 || shape.count == 2 else {
            throw fail("expected a 1-D or 2-D array. Received: shape \(ModelError.render(shape))")
        }
        let type = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        guard let element = ElementType(descr: type) else {
            throw fail("unsupported element type '\(type)'; use float32, float64, int32 or int64")
        }
        let start = headerStart + headerLength
        guard let count = Tensor.elementCount(shape), count <= (fileSize - start) / element.size,
            fileSize - start == count * element.size
        else {
            throw fail(
                "shape \(ModelError.render(shape)) does not match the \(fileSize - start) bytes of "
                    + "data in the file")
        }
        return (shape, element, start, count)
    }

    /// Refuses NaN and infinity, naming the row and column.
    private static func requireFinite(
        _ values: UnsafeBufferPointer<Float>, shape: Shape, path: String
    )
        throws(ModelError)
    {
        let width = shape.count == 2 ? max(shape[1], 1) : 1
        if let index = values.firstNonFinite {
            throw .file(
                path: path,
                problem:
                    "row \(index / width + 1), column \(index % width + 1) is \(values[index])"
                    + (values[index].isNaN ? "" : " (infinite, or beyond float32's range)")
                    + "; data must be finite")
        }
    }

    /// Maps a float32, little-endian, C-ordered `.npy` file into memory instead of reading it,
    /// so that processes on one machine share its pages; other files are read as `read` does.
    /// The header and every value are checked once.
    public static func map(_ path: String) throws(ModelError) -> any Samples {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            return try read(path)
        }
        let size = Int(info.st_size)
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return try read(path) }
        defer { close(descriptor) }
        var prefix = [UInt8](repeating: 0, count: min(size, 65536))
        guard Foundation.read(descriptor, &prefix, prefix.count) == prefix.count else {
            return try read(path)
        }
        let layout = try parseHeader(prefix, fileSize: size, path: path)
        // Floats are read in place only when they are float32 and start on a 4-byte boundary.
        guard layout.element == .float32, layout.start % 4 == 0, layout.count > 0,
            let base = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0), base != MAP_FAILED
        else { return try read(path) }
        let samples = MappedSamples(
            shape: layout.shape, mapping: .init(base: base, length: size), offset: layout.start)
        let problem: ModelError? = samples.withUnsafeValues { v -> ModelError? in
            do throws(ModelError) {
                try requireFinite(v, shape: layout.shape, path: path)
            } catch {
                return error
            }
            return nil
        }
        if let problem { throw problem }
        return samples
    }

    /// Writes `tensor` as float32 `.npy`, atomically.
    public static func write(_ tensor: Tensor, to path: String) throws(ModelError) {
        let shape = tensor.shape.map(String.init).joined(separator: ", ")
        var header =
            "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape)\(tensor.shape.count == 1 ? "," : "")), }"
        // Pad so that the data starts on a 64-byte boundary, ending the header with a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        tensor.values.withUnsafeBytes { data.append(contentsOf: $0) }
        try DataFiles.writeAtomically(data, to: path)
    }

    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") else { return nil }
        let rest = header[keyRange.upperBound...].trimmingCharacters(in: .whitespaces)
        if rest.hasPrefix("(") {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        let end = rest.firstIndex(of: ",") ?? rest.firstIndex(of: "}") ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: .whitespaces)
    }

    private static func parseShape(_ text: String, fail: (String) -> ModelError) throws(ModelError)
        -> [Int]
    {
        guard text.hasPrefix("("), text.hasSuffix(")") else {
            throw fail(
                "malformed shape \(text) in the .npy header: expected a tuple such as (60, 3)")
        }
        let inner = text.dropFirst().dropLast()
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let extent = Int(trimmed.hasSuffix("L") ? String(trimmed.dropLast()) : trimmed),
                extent >= 0
            else {
                throw fail("malformed shape \(text) in the .npy header")
            }
            shape.append(extent)
        }
        return shape
    }

    /// The element types nntrain reads, little-endian.
    private enum ElementType: Equatable {
        case float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool

        init?(descr: String) {
            let table: [String: ElementType] = [
                "<f4": .float32, "<f8": .float64, "|i1": .int8, "<i2": .int16, "<i4": .int32,
                "<i8": .int64, "|u1": .uint8, "<u2": .uint16, "<u4": .uint32, "<u8": .uint64,
                "|b1": .bool,
            ]
            guard let type = table[descr] else { return nil }
            self = type
        }

        var size: Int {
            switch self {
            case .int8, .uint8, .bool: 1
            case .int16, .uint16: 2
            case .float32, .int32, .uint32: 4
            case .float64, .int64, .uint64: 8
            }
        }

        func load(_ raw: UnsafeRawBufferPointer, at offset: Int) -> Float {
            // A little-endian integer element, converted as Float(value) rounds it.
            func integer<T: FixedWidthInteger & BitwiseCopyable>(_: T.Type) -> Float {
                Float(raw.loadUnaligned(fromByteOffset: offset, as: T.self).littleEndian)
            }
            return switch self {
            case .float32:
                Float(
                    bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
                        .littleEndian)
            case .float64:
                Float(
                    Double(
                        bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                            .littleEndian))
            case .int8: integer(Int8.self)
            case .int16: integer(Int16.self)
            case .int32: integer(Int32.self)
            case .int64: integer(Int64.self)
            case .uint8, .bool: integer(UInt8.self)
            case .uint16: integer(UInt16.self)
            case .uint32: integer(UInt32.self)
            case .uint64: integer(UInt64.self)
            }
        }
    }
}
