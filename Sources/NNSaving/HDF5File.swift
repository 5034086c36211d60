import CHDF5
import Foundation
import NN
import Synchronization

/// Debian's libhdf5 is the serial (not thread-safe) build: every use of it, from opening a
/// file to closing it, holds this lock. Holding it also means no other thread is inside HDF5
/// when the reader forks its probe process.
let hdf5Lock = Mutex<Void>(())

/// An open HDF5 file, addressed by paths such as `layers/dense/vars/0`. The only code in
/// nntrain that calls libhdf5.
final class HDF5File {
    let path: String
    private let id: hid_t
    private var isOpen = true

    private init(path: String, id: hid_t) {
        self.path = path
        self.id = id
    }

    deinit { close() }

    /// The checker program: `NNTRAIN_H5CHECK`, or `nntrain-h5check` beside the running program
    /// (where SwiftPM builds both).
    static let checkerPath: String? = {
        if let path = ProcessInfo.processInfo.environment["NNTRAIN_H5CHECK"] { return path }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = executable.deletingLastPathComponent().appendingPathComponent(
            "nntrain-h5check"
        ).path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : nil
    }()

    /// Creates (or truncates) a file for writing. The caller holds `hdf5Lock`.
    static func create(_ path: String) throws(ModelError) -> HDF5File {
        nn_h5_quiet()
        let id = nn_h5_create(path)
        guard id >= 0 else { throw .file(path: path, problem: "cannot be created as an HDF5 file") }
        return HDF5File(path: path, id: id)
    }

    /// Opens an existing file for reading, after the `nntrain-h5check` program has read it
    /// whole in its own process without crashing or hanging: libhdf5 1.10 can crash on a
    /// corrupt file. Without the checker (a library user who did not build it, or one that
    /// cannot run) the file is read directly. The caller holds `hdf5Lock`.
    static func open(_ path: String) throws(ModelError) -> HDF5File {
        nn_h5_quiet()
        if let checker = checkerPath {
            switch nn_h5_check_in_process_of(checker, path) {
            case 1:
                throw .file(path: path, problem: "not a readable HDF5 file (truncated or corrupt?)")
            case 2:
                throw .file(
                    path: path, problem: "a corrupt HDF5 file (the HDF5 library crashed reading it)"
                )
            case 4:
                throw .file(
                    path: path,
                    problem: "not a readable HDF5 file (checking it timed out after 30 s: corrupt?)"
                )
            default: break
            }
        }
        let id = nn_h5_open(path)
        guard id >= 0 else {
            throw .file(path: path, problem: "cannot be opened as an HDF5 file")
        }
        return HDF5File(path: path, id: id)
    }

    func close() {
        guard isOpen else { return }
        isOpen = false
        _ = nn_h5_close_file(id)
    }

    private func fail(_ problem: String) -> ModelError { .file(path: path, problem: problem) }

    /// Creates the group at `groupPath` and any missing parents.
    func makeGroup(_ groupPath: String) throws(ModelError) {
        var prefix = ""
        for part in groupPath.split(separator: "/") {
            prefix += (prefix.isEmpty ? "" : "/") + part
            if nn_h5_has_member(id, prefix) > 0 { continue }
            let group = nn_h5_create_group(id, prefix)
            guard group >= 0 else { throw fail("cannot create group \(prefix)") }
            _ = nn_h5_close_group(group)
        }
    }

    private func makeParent(of datasetPath: String) throws(ModelError) {
        let parts = datasetPath.split(separator: "/")
        if parts.count > 1 { try makeGroup(parts.dropLast().joined(separator: "/")) }
    }

    /// Writes a float32 dataset.
    func writeFloats(_ datasetPath: String, shape: [Int], values: [Float]) throws(ModelError) {
        try makeParent(of: datasetPath)
        let dims = shape.map { hsize_t($0) }
        let status = values.withUnsafeBufferPointer { v in
            dims.withUnsafeBufferPointer { d in
                nn_h5_write_floats(
                    id, datasetPath, Int32(shape.count), d.baseAddress, v.baseAddress)
            }
        }
        guard status >= 0 else { throw fail("cannot write dataset \(datasetPath)") }
    }

    /// Writes a scalar int64 dataset.
    func writeInt64(_ datasetPath: String, _ value: Int) throws(ModelError) {
        try makeParent(of: datasetPath)
        guard nn_h5_write_int64(id, datasetPath, Int64(value)) >= 0 else {
            throw fail("cannot write dataset \(datasetPath)")
        }
    }

    /// Writes a UTF-8 string attribute on the object at `objectPath` ("/" for the file).
    func writeAttribute(_ objectPath: String, _ name: String, _ value: String) throws(ModelError) {
        let group = nn_h5_open_group(id, objectPath)
        guard group >= 0 else { throw fail("cannot open \(objectPath) for an attribute") }
        defer { _ = nn_h5_close_group(group) }
        guard nn_h5_write_string_attribute(group, name, value) >= 0 else {
            throw fail("cannot write attribute \(name) on \(objectPath)")
        }
    }

    /// Whether something exists at `objectPath` (every parent must exist too).
    func exists(_ objectPath: String) -> Bool {
        var prefix = ""
        for part in objectPath.split(separator: "/") {
            prefix += (prefix.isEmpty ? "" : "/") + part
            if nn_h5_has_member(id, prefix) <= 0 { return false }
        }
        return true
    }

    func isGroup(_ objectPath: String) -> Bool {
        exists(objectPath) && nn_h5_member_is_group(id, objectPath) == 1
    }

    /// The names of a group's members, in name order.
    func members(of groupPath: String) throws(ModelError) -> [String] {
        guard isGroup(groupPath) else { throw fail("missing group \(groupPath)") }
        let group = nn_h5_open_group(id, groupPath)
        guard group >= 0 else { throw fail("cannot open group \(groupPath)") }
        defer { _ = nn_h5_close_group(group) }
        let count = nn_h5_member_count(group)
        guard count >= 0, count < 1_000_000 else { throw fail("corrupt group \(groupPath)") }
        var names: [String] = []
        var buffer = [CChar](repeating: 0, count: 1024)
        for index in 0..<count {
            let length = nn_h5_member_name(group, UInt64(index), &buffer, buffer.count)
            guard length >= 0, length < buffer.count else {
                throw fail("corrupt group \(groupPath)")
            }
            names.append(
                String(
                    decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) },
                    as: UTF8.self))
        }
        return names
    }

    /// The shape of a numeric dataset.
    func shape(of datasetPath: String) throws(ModelError) -> [Int] {
        guard exists(datasetPath), nn_h5_dataset_is_numeric(id, datasetPath) == 1 else {
            throw fail("missing or non-numeric dataset \(datasetPath)")
        }
        var dims = [hsize_t](repeating: 0, count: 8)
        let rank = nn_h5_dataset_shape(id, datasetPath, &dims, 8)
        guard rank >= 0 else { throw fail("dataset \(datasetPath) has an unsupported shape") }
        var shape: [Int] = []
        for dim in dims.prefix(Int(rank)) {
            guard let extent = Int(exactly: dim) else {
                throw fail("dataset \(datasetPath) has an unsupported shape")
            }
            shape.append(extent)
        }
        return shape
    }

    /// Reads a numeric dataset as float32 values, with its shape.
    func readFloats(_ datasetPath: String) throws(ModelError) -> (shape: [Int], values: [Float]) {
        let shape = try shape(of: datasetPath)
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow, product >= 0, product < 1 << 31 else {
                throw fail("dataset \(datasetPath) is too large")
            }
            count = product
        }
        var values = [Float](repeating: 0, count: max(count, 1))
        guard nn_h5_read_floats(id, datasetPath, &values) >= 0 else {
            throw fail("cannot read dataset \(datasetPath)")
        }
        return (shape, Array(values.prefix(count)))
    }

    /// Reads a scalar numeric dataset as an integer.
    func readInt(_ datasetPath: String) throws(ModelError) -> Int {
        guard try shape(of: datasetPath).allSatisfy({ $0 == 1 }) else {
            throw fail("dataset \(datasetPath) is not a single value")
        }
        var value: Int64 = 0
        guard nn_h5_read_int64(id, datasetPath, &value) >= 0 else {
            throw fail("cannot read dataset \(datasetPath)")
        }
        return Int(value)
    }
}
