import Foundation
import NN
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The `--plot` chart is well-formed SVG with one curve per logged series and a legend.
@Suite struct HistoryPlotTests {
    @Test func chartHasACurveAndLegendEntryPerSeries() throws {
        let model = Sequential([
            Dense(4, inputShape: [1], activation: "relu"), Dense(2, activation: "softmax"),
        ])
        try model.compile(
            optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"])
        let x = Tensor(shape: [20, 1], scalars: (0..<20).map { Float($0) / 20 })
        let y = Tensor((0..<20).map { Float($0 >= 10 ? 1 : 0) })
        let history = try model.fit(
            x: x, y: y, batchSize: 4, epochs: 5, verbose: 0, validationSplit: 0.2)
        let svg = HistoryPlot.svg(history)
        final class Counter: NSObject, XMLParserDelegate {
            var polylines = 0, texts: [String] = [], current = ""
            func parser(
                _ p: XMLParser, didStartElement e: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]
            ) {
                if e == "polyline" { polylines += 1 }
                current = ""
            }
            func parser(_ p: XMLParser, foundCharacters s: String) { current += s }
            func parser(
                _ p: XMLParser, didEndElement e: String, namespaceURI: String?,
                qualifiedName: String?
            ) {
                if e == "text" { texts.append(current) }
            }
        }
        let counter = Counter()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = counter
        #expect(parser.parse(), "well-formed XML")
        #expect(counter.polylines == 4)
        for name in ["loss", "val_loss", "accuracy", "val_accuracy", "epoch", "Loss", "Metrics"] {
            #expect(counter.texts.contains(name), "\(name)")
        }
    }

    @Test func onlySvgIsWritten() {
        #expect(
            throws: ModelError.file(path: "h.png", problem: "unsupported chart format; use .svg")
        ) {
            try HistoryPlot.write(History(), to: "h.png")
        }
    }
}
