import Foundation

/// Reads and writes numeric comma-separated files.
///
/// Every row must have the same number of cells, each a number; a first row that is not all
/// numbers is taken as a header. A UTF-8 byte-order mark, CRLF line ends, blank lines and
/// quotes around cells are accepted.
public enum CSVFile {
    /// Reads a file as a `(rows, columns)` tensor.
    ///
    /// - Throws: `ModelError.file` naming the path, line and column of the first problem.
    public static func read(_ path: String) throws(ModelError) -> Tensor {
        let data = try DataFiles.contents(of: path)
        guard var text = String(data: data, encoding: .utf8) else {
            throw .file(path: path, problem: "not UTF-8 text")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return try decode(text, path: path)
    }

    /// Parses CSV text; `path` only names it in errors.
    public static func decode(_ text: String, path: String) throws(ModelError) -> Tensor {
        var scalars: [Float] = []
        var width: Int?
        var rows = 0
        var lineNumber = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            let cells = Self.cells(line)
            let numbers = cells.map { Float($0) }
            // A first row with no number at all names the columns.
            if width == nil, rows == 0, numbers.allSatisfy({ $0 == nil }) {
                width = cells.count  // a header row names the columns
                continue
            }
            if let width, cells.count != width {
                throw .file(
                    path: path,
                    problem: "line \(lineNumber) has \(cells.count) columns, expected \(width)")
            }
            width = cells.count
            for (column, number) in numbers.enumerated() {
                guard let number else {
                    throw .file(
                        path: path,
                        problem:
                            "line \(lineNumber), column \(column + 1): '\(cells[column])' is not a number"
                    )
                }
                guard number.isFinite else {
                    throw .file(
                        path: path,
                        problem:
                            "line \(lineNumber), column \(column + 1): '\(cells[column])' is not a "
                            + "finite number (NaN, infinity, or beyond float32's range)")
                }
                scalars.append(number)
            }
            rows += 1
        }
        guard rows > 0, let width else {
            throw .file(path: path, problem: "no data rows")
        }
        return Tensor(shape: [rows, width], scalars: scalars)
    }

    /// The cells of one line. Commas split them, except inside double quotes, where `""`
    /// stands for one quote (RFC 4180); spaces around a cell do not count.
    public static func cells(_ line: Substring) -> [String] {
        var cells: [String] = [], cell = "", quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            index = line.index(after: index)
            if quoted {
                if character != "\"" {
                    cell.append(character)
                } else if index < line.endIndex, line[index] == "\"" {
                    cell.append("\"")
                    index = line.index(after: index)
                } else {
                    quoted = false
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                cells.append(cell.trimmingCharacters(in: .whitespaces))
                cell = ""
            } else {
                cell.append(character)
            }
        }
        cells.append(cell.trimmingCharacters(in: .whitespaces))
        return cells
    }

    /// Writes `tensor` as CSV (one row per sample), atomically.
    public static func write(_ tensor: Tensor, to path: String) throws(ModelError) {
        let width = tensor.rowWidth
        var text = ""
        for row in 0..<tensor.rows {
            text += (0..<width).map { "\(tensor.scalars[row * width + $0])" }.joined(separator: ",")
            text += "\n"
        }
        try DataFiles.writeAtomically(Data(text.utf8), to: path)
    }
}

/// Reading any supported data file, and writing files atomically.
public enum DataFiles {
    /// Reads `.npy` or `.csv` by extension.
    public static func read(_ path: String) throws(ModelError) -> Tensor {
        switch (path as NSString).pathExtension.lowercased() {
        case "npy": return try NumpyFile.read(path)
        case "csv", "txt": return try CSVFile.read(path)
        default:
            throw .file(path: path, problem: "unsupported file type; use .npy or .csv")
        }
    }

    /// Writes `.npy` or `.csv` by extension.
    public static func write(_ tensor: Tensor, to path: String) throws(ModelError) {
        // Keep in step with `supportsWriting(to:)`.
        switch (path as NSString).pathExtension.lowercased() {
        case "npy": try NumpyFile.write(tensor, to: path)
        case "csv": try CSVFile.write(tensor, to: path)
        default:
            throw .file(path: path, problem: "unsupported output type; use .npy or .csv")
        }
    }

    /// Whether `write(_:to:)` can write `path` (its extension is `.npy` or `.csv`), so that
    /// callers can refuse an output path before a long run rather than after it.
    public static func supportsWriting(to path: String) -> Bool {
        ["npy", "csv"].contains((path as NSString).pathExtension.lowercased())
    }

    /// The bytes of a file, or an error naming it (missing, a folder, unreadable).
    public static func contents(of path: String) throws(ModelError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .file(path: path, problem: "no such file")
        }
        guard !isDirectory.boolValue else { throw .file(path: path, problem: "is a directory") }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .file(path: path, problem: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// Writes to a temporary file beside `path`, then renames it: a killed run never leaves a
    /// half-written file.
    public static func writeAtomically(_ data: Data, to path: String) throws(ModelError) {
        let temporary = path + ".tmp-\(getpid())"
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
            if rename(temporary, path) != 0 {
                unlink(temporary)
                throw ModelError.file(path: path, problem: "cannot be written (rename failed)")
            }
        } catch let error as ModelError {
            throw error
        } catch {
            throw .file(path: path, problem: "cannot be written (\(error.localizedDescription))")
        }
    }
}
