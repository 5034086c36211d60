import Foundation
import NN
import TestSupport
import Testing

/// `.npy` and `.csv` readers: every element type NumPy writes, and clear errors for bad files.
@Suite struct DataFileTests {
    /// Bytes of a version-1 `.npy` file with `descr`, `shape` and raw little-endian data.
    static func npy(descr: String, shape: String, fortran: Bool = false, data: [UInt8]) -> Data {
        var header =
            "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        header +=
            String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var bytes: [UInt8] = [
            0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF),
            UInt8(header.utf8.count >> 8),
        ]
        bytes += Array(header.utf8) + data
        return Data(bytes)
    }

    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    @Test func readsEveryElementType() throws {
        let cases: [(String, [UInt8])] = [
            ("<f4", Self.littleEndian([Float(1.5).bitPattern, Float(-2).bitPattern])),
            ("<f8", Self.littleEndian([Double(1.5).bitPattern, Double(-2).bitPattern])),
            ("<i4", Self.littleEndian([Int32(1), Int32(-2)])),
            ("<i8", Self.littleEndian([Int64(1), Int64(-2)])),
            ("|i1", [1, 0xFE]),
        ]
        for (descr, data) in cases {
            let t = try NumpyFile.decode(
                Self.npy(descr: descr, shape: "(2,)", data: data), path: "t.npy")
            #expect(t.shape == [2])
            #expect(
                Array(t.values) == (descr == "<f4" || descr == "<f8" ? [1.5, -2] : [1, -2]),
                "\(descr)")
        }
    }

    @Test func roundTripsThroughWrite() throws {
        let folder = URL(fileURLWithPath: scratchPath("npy"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let t = Tensor([[1, 2, 3], [4, 5, -6.25]])
        for name in ["t.npy", "t.csv"] {
            let path = folder.appendingPathComponent(name).path
            try DataFiles.write(t, to: path)
            #expect(try DataFiles.read(path) == t)
        }
    }

    @Test(arguments: [
        (
            "truncated header", Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 200, 0, 0x7B]),
            "truncated .npy header"
        ),
        (
            "Fortran order", npy(descr: "<f4", shape: "(1, 1)", fortran: true, data: [0, 0, 0, 0]),
            "Fortran-ordered arrays are not supported; save with np.ascontiguousarray(a)"
        ),
        (
            "unsupported type", npy(descr: "<c8", shape: "(1,)", data: [0, 0, 0, 0, 0, 0, 0, 0]),
            "unsupported element type '<c8'; use float32, float64, int32 or int64"
        ),
        (
            "data too short", npy(descr: "<f4", shape: "(3,)", data: [0, 0, 0, 0]),
            "shape (3,) does not match the 4 bytes of data in the file"
        ),
        (
            "NaN in the data",
            npy(
                descr: "<f4", shape: "(2, 2)",
                data: littleEndian([
                    Float(1).bitPattern, Float(2).bitPattern, Float.nan.bitPattern,
                    Float(4).bitPattern,
                ])),
            "row 2, column 1 is nan; data must be finite"
        ),
        (
            "wrong magic", Data("\u{93}NUMPX\u{1}\u{0}\u{10}\u{0}{}".utf8),
            "not a NumPy .npy file (the magic string \\x93NUMPY is missing)"
        ),
        (
            "three axes", npy(descr: "<f4", shape: "(1, 1, 1)", data: [0, 0, 0, 0]),
            "expected a 1-D or 2-D array. Received: shape (1, 1, 1)"
        ),
    ])
    func badNumpyFileIsNamed(_ name: String, _ bytes: Data, _ problem: String) {
        #expect(throws: ModelError.file(path: "bad.npy", problem: problem)) {
            try NumpyFile.decode(bytes, path: "bad.npy")
        }
    }

    @Test func csvAcceptsHeaderBomCrlfAndQuotes() throws {
        let t = try CSVFile.decode("age,\"dose\"\r\n\"1\",2\r\n\r\n3,4\r\n", path: "d.csv")
        #expect(t == Tensor([[1, 2], [3, 4]]))
    }

    @Test(arguments: [
        ("1,2\n3\n", "line 2 has 1 columns, expected 2"),
        ("1,2\n3,x\n", "line 2, column 2: 'x' is not a number"),
        ("a,b\n", "no data rows"),
        ("", "no data rows"),
    ])
    func badCsvNamesLineAndColumn(_ text: String, _ problem: String) {
        #expect(throws: ModelError.file(path: "d.csv", problem: problem)) {
            try CSVFile.decode(text, path: "d.csv")
        }
    }

    @Test func drugTrialFollowsTheNotes() {
        let trial = DrugTrial.training(seed: 4)
        #expect(trial.samples.shape == [2100, 1] && trial.labels.shape == [2100])
        #expect(trial.samples.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        // 95% of the young have no side effects; 95% of the old do.
        var old = 0, oldWithEffects = 0
        for (age, label) in zip(trial.samples.values, trial.labels.values)
        where age >= Float(65 - 13) / 87 {
            old += 1
            if label == 1 { oldWithEffects += 1 }
        }
        #expect(old == 1050 && oldWithEffects == 1000)
        #expect(DrugTrial.test().samples.shape == [420, 1])
    }
}
