import Foundation

extension Sequential {
    /// Prints Keras's summary table: each layer's name and class, output shape and weight
    /// count, then the totals. Keras: `model.summary()`.
    ///
    /// After training, an `Optimizer params` line counts the optimizer's state, as in Keras.
    public func summary(lineLength: Int = 76) {
        output(summaryText(lineLength: lineLength))
    }

    /// The text `summary()` prints. The default width is Keras's on a pipe or an 80-column
    /// terminal; widths are kept within 20…10,000 characters, so that every column has room.
    ///
    /// A model whose first layer declares its input shape is built first, as Keras has built
    /// it by then (its initial weights then come from the `seed` set so far).
    public func summaryText(lineLength: Int = 76) -> String {
        if !isBuilt, let declared = layers.first?.declaredInputShape {
            try? build(inputShape: declared)
        }
        let lineLength = min(max(lineLength, 20), 10_000)
        let stops = [Int(Double(lineLength) * 0.45), Int(Double(lineLength) * 0.80), lineLength]
        let widths = [stops[0] - 1, stops[1] - stops[0] - 2, stops[2] - stops[1] - 1]
        func rule(_ left: String, _ fill: String, _ middle: String, _ right: String) -> String {
            left + widths.map { String(repeating: fill, count: $0) }.joined(separator: middle)
                + right
        }
        func row(_ cells: [String], _ edge: String) -> String {
            let texts = zip(cells, widths).enumerated().map { index, pair in
                let (text, width) = pair
                let inner = width - 2
                let clipped = String(text.prefix(inner))
                let pad = String(repeating: " ", count: max(0, inner - clipped.count))
                return " " + (index == 2 ? pad + clipped : clipped + pad) + " "
            }
            return edge + texts.joined(separator: edge) + edge
        }
        var lines = ["Model: \"\(name)\""]
        lines.append(rule("┏", "━", "┳", "┓"))
        lines.append(row(["Layer (type)", "Output Shape", "Param #"], "┃"))
        lines.append(rule("┡", "━", "╇", "┩"))
        for (index, layer) in layers.enumerated() {
            let shape =
                index < outputShapes.count ? ModelError.render([-1] + outputShapes[index]) : "?"
            let count = isBuilt ? Self.grouped(layer.parameterCount) : "0 (unbuilt)"
            lines.append(row(["\(layer.name) (\(layer.className))", shape, count], "│"))
            if index < layers.count - 1 { lines.append(rule("├", "─", "┼", "┤")) }
        }
        lines.append(rule("└", "─", "┴", "┘"))
        let trainable = parameterCount
        let optimizerCount = hasTrained ? optimizer.variableCount(parameterCount: trainable) : 0
        // Keras's optimizer counts its iterations in an int64: 4 bytes more than a float32.
        let optimizerBytes = hasTrained ? 4 * optimizerCount + 4 : 0
        lines.append(
            " Total params: "
                + Self.countAndSize(
                    trainable + optimizerCount, bytes: 4 * trainable + optimizerBytes))
        lines.append(" Trainable params: " + Self.countAndSize(trainable, bytes: 4 * trainable))
        lines.append(" Non-trainable params: " + Self.countAndSize(0, bytes: 0))
        if hasTrained {
            lines.append(
                " Optimizer params: " + Self.countAndSize(optimizerCount, bytes: optimizerBytes))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `642 (2.51 KB)`: a count with thousands separators and its size in bytes.
    static func countAndSize(_ count: Int, bytes: Int) -> String {
        var size = Double(bytes)
        var unit = 0
        let units = ["B", "KB", "MB", "GB", "TB"]
        while size >= 1024, unit < units.count - 1 {
            size /= 1024
            unit += 1
        }
        return "\(grouped(count)) (" + String(format: "%.2f", size) + " \(units[unit]))"
    }

    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
