import NN

/// The test report: accuracy and confusion matrix of class predictions.
enum Report {
    /// Compares predicted classes (argmax, or a 0.5 threshold for a single output) with labels
    /// (class indices, or one-hot rows).
    static func classification(predictions: Tensor, labels: Tensor) -> String {
        let width = predictions.rowWidth
        let classes = max(width, 2)
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        let scores = predictions.scalars, targets = labels.scalars
        for row in 0..<predictions.rows {
            let predicted =
                width == 1
                ? (scores[row] > 0.5 ? 1 : 0) : ArgMax.of(scores, row: row, width: width)
            let actual =
                labels.rowWidth == 1
                ? ArgMax.classIndex(targets[row])
                : ArgMax.of(targets, row: row, width: labels.rowWidth)
            guard (0..<classes).contains(actual) else { continue }
            matrix[actual][predicted] += 1
        }
        let correct = (0..<classes).reduce(0) { $0 + matrix[$1][$1] }
        let total = predictions.rows
        let accuracy = Double(correct) / Double(max(total, 1))
        var text = "Test accuracy: \(format(accuracy)) (\(correct)/\(total))\n"
        text += "Confusion matrix (rows: true class, columns: predicted class):\n"
        let cell = max(9, String(total).count + 2)
        text += String(repeating: " ", count: 8)
        for c in 0..<classes { text += pad("pred \(c)", cell) }
        text += "\n"
        for r in 0..<classes {
            text += pad("true \(r)", 8, left: true)
            for c in 0..<classes { text += pad(String(matrix[r][c]), cell) }
            text += "\n"
        }
        return text
    }

    static func format(_ value: Double) -> String {
        let scaled = (value * 10000).rounded() / 10000
        var text = String(scaled)
        while text.split(separator: ".").last.map({ $0.count < 4 }) ?? false { text += "0" }
        return text
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + fill : fill + text
    }
}
