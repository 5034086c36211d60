import Foundation

/// Draws a `History` as an SVG chart: one panel for the losses and one for the other metrics,
/// each with training (solid) and validation (dashed) curves per epoch, axes, ticks, labels and
/// a legend.
public enum HistoryPlot {
    /// The chart as SVG text.
    public static func svg(_ history: History, title: String = "Training history") -> String {
        let keys = history.history.keys.filter { !$0.hasPrefix("val_") && $0 != "learning_rate" }
            .sorted()
        let lossKeys = keys.filter { $0.contains("loss") }
        let metricKeys = keys.filter { !$0.contains("loss") }
        let panels = [("Loss", lossKeys)] + (metricKeys.isEmpty ? [] : [("Metrics", metricKeys)])
        let panelWidth = 460.0, panelHeight = 320.0, margin = 60.0
        let width = Double(panels.count) * (panelWidth + margin) + margin
        let height = panelHeight + 2 * margin + 60
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(width / 2))" y="28" font-size="18" text-anchor="middle">\(escape(title))</text>

            """
        for (index, (name, panelKeys)) in panels.enumerated() {
            let x0 = margin + Double(index) * (panelWidth + margin)
            svg += panel(
                name, keys: panelKeys, history: history,
                frame: (x0, margin + 10, panelWidth, panelHeight))
        }
        return svg + "</svg>\n"
    }

    /// Writes the chart to `path` (atomically).
    public static func write(_ history: History, to path: String) throws(ModelError) {
        guard (path as NSString).pathExtension.lowercased() == "svg" else {
            throw .file(path: path, problem: "unsupported chart format; use .svg")
        }
        try DataFiles.writeAtomically(Data(svg(history).utf8), to: path)
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    private static func panel(
        _ name: String, keys: [String], history: History,
        frame: (x: Double, y: Double, width: Double, height: Double)
    ) -> String {
        let series = keys.flatMap { key in
            [
                (key, history.history[key] ?? [], false),
                ("val_" + key, history.history["val_" + key] ?? [], true),
            ]
        }.filter { !$0.1.isEmpty }
        let values = series.flatMap(\.1).filter(\.isFinite)
        let epochs = max(series.map(\.1.count).max() ?? 1, 1)
        var low = values.min() ?? 0, high = values.max() ?? 1
        if high - low < 1e-12 { (low, high) = (low - 0.5, high + 0.5) }
        let pad = (high - low) * 0.05
        (low, high) = (low - pad, high + pad)
        func px(_ epoch: Int) -> Double {
            frame.x
                + (epochs == 1 ? frame.width / 2 : Double(epoch) / Double(epochs - 1) * frame.width)
        }
        func py(_ value: Double) -> Double {
            frame.y + (high - value) / (high - low) * frame.height
        }
        var out = """
            <g>
            <text x="\(f(frame.x + frame.width / 2))" y="\(f(frame.y - 12))" font-size="15" text-anchor="middle">\(name)</text>
            <rect x="\(f(frame.x))" y="\(f(frame.y))" width="\(f(frame.width))" height="\(f(frame.height))" fill="none" stroke="#444"/>

            """
        for tick in 0...4 {
            let value = low + (high - low) * Double(tick) / 4
            let y = py(value)
            out +=
                "<line x1=\"\(f(frame.x - 5))\" y1=\"\(f(y))\" x2=\"\(f(frame.x + frame.width))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>\n"
            out +=
                "<text x=\"\(f(frame.x - 8))\" y=\"\(f(y + 4))\" font-size=\"11\" text-anchor=\"end\">\(String(format: "%.3g", value))</text>\n"
        }
        let step = max(1, epochs / 10)
        for epoch in stride(from: 0, to: epochs, by: step) {
            out +=
                "<text x=\"\(f(px(epoch)))\" y=\"\(f(frame.y + frame.height + 16))\" font-size=\"11\" text-anchor=\"middle\">\(epoch + 1)</text>\n"
        }
        out +=
            "<text x=\"\(f(frame.x + frame.width / 2))\" y=\"\(f(frame.y + frame.height + 36))\" font-size=\"12\" text-anchor=\"middle\">epoch</text>\n"
        for (index, (key, points, validation)) in series.enumerated() {
            let color = colors[index % colors.count]
            let path = points.enumerated().filter { $0.element.isFinite }
                .map { "\(f(px($0.offset))),\(f(py($0.element)))" }.joined(separator: " ")
            let dash = validation ? " stroke-dasharray=\"6 4\"" : ""
            out +=
                "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
            for (epoch, value) in points.enumerated() where value.isFinite {
                out +=
                    "<circle cx=\"\(f(px(epoch)))\" cy=\"\(f(py(value)))\" r=\"2.5\" fill=\"\(color)\"/>\n"
            }
            // The legend sits under the axis label, one entry per series, left to right.
            let lx = frame.x + Double(index % 3) * 150,
                ly = frame.y + frame.height + 58 + Double(index / 3) * 18
            out +=
                "<line x1=\"\(f(lx))\" y1=\"\(f(ly - 4))\" x2=\"\(f(lx + 30))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
            out +=
                "<text x=\"\(f(lx + 36))\" y=\"\(f(ly))\" font-size=\"12\">\(escape(key))</text>\n"
        }
        return out + "</g>\n"
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(
            of: "<", with: "&lt;")
    }
}
