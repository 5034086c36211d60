import Foundation

/// Keras's progress output for one epoch (or one `evaluate`/`predict` call).
///
/// Logs print in the order given (Keras's: training keys sorted, `val_` keys, then keys added
/// by callbacks).
///
/// - verbose 2, or verbose 1 when standard output is not a terminal: one line at the end,
///   `210/210 - 0s - 41us/step - accuracy: 0.7010 - loss: 0.5748`. As in Keras, this line's
///   time per step is the total time over all steps. (Keras 3 on Linux draws its bar into a
///   pipe as well, carriage returns and all; nntrain writes a log file the final line only.)
/// - verbose 1 on a terminal: Keras's 20-cell `━` bar, redrawn in place at most every 50 ms,
///   with an ETA, then the final line; its time per step leaves out the first step.
/// - verbose 0: nothing.
struct ProgressLog {
    let verbose: Int
    let target: Int
    let write: (String) -> Void
    /// Whether the bar is redrawn in place (verbose 1 on a terminal).
    let dynamic: Bool
    private let start: Double
    private var timeAfterFirstStep: Double?
    private var lastUpdate = 0.0
    private var previousWidth = 0
    private var lastCurrent = 0

    /// - Parameter terminal: whether standard output is a terminal (tests set it; by default it
    ///   is asked of the system).
    init(verbose: Int, target: Int, terminal: Bool? = nil, write: @escaping (String) -> Void) {
        self.verbose = verbose
        self.target = target
        self.write = write
        dynamic = verbose == 1 && (terminal ?? (isatty(STDOUT_FILENO) == 1))
        start = Self.now()
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Whether `update` would draw now (cheap: checked after every step).
    mutating func wantsUpdate() -> Bool {
        guard dynamic else { return false }
        let now = Self.now()
        if timeAfterFirstStep == nil { timeAfterFirstStep = now }
        return lastCurrent == 0 || now - lastUpdate >= 0.05
    }

    /// Redraws the bar after step `current`.
    mutating func update(current: Int, logs: [(key: String, value: Double)]) {
        draw(current: current, logs: logs, finalize: false)
    }

    /// Prints the final line with the epoch's (or evaluation's) logs.
    mutating func finish(logs: [(key: String, value: Double)]) {
        guard verbose > 0, target > 0 else { return }
        if dynamic {
            draw(current: target, logs: logs, finalize: true)
            return
        }
        let now = Self.now()
        let digits = String(target).count
        var line = Self.padded(target, digits) + "/\(target) - \(Self.seconds(now - start))s -"
        line += Self.formatStepTime((now - start) / Double(target))
        for (key, value) in logs {
            line += " - \(key): " + Self.format(value, absolute: false)
        }
        write(line + "\n")
    }

    private mutating func draw(current: Int, logs: [(key: String, value: Double)], finalize: Bool) {
        let now = Self.now()
        let perStep: Double
        if let first = timeAfterFirstStep, current > 1 {
            perStep = (now - first) / Double(current - 1)
        } else {
            perStep = (now - start) / Double(max(current, 1))
        }
        let digits = String(target).count
        let count = Self.padded(current, digits) + "/\(target)"
        let filled = Int(20 * Double(current) / Double(target))
        var bar = "\u{1b}[1m\(count)\u{1b}[0m "
        if filled > 0 { bar += "\u{1b}[32m" + String(repeating: "━", count: filled) + "\u{1b}[0m" }
        bar += "\u{1b}[37m" + String(repeating: "━", count: 20 - filled) + "\u{1b}[0m"
        var info: String
        if finalize {
            info = " \u{1b}[1m\(Self.seconds(now - start))s\u{1b}[0m"
        } else {
            info = " \u{1b}[1m\(Self.eta(perStep * Double(target - current)))\u{1b}[0m"
        }
        info += Self.formatStepTime(perStep)
        for (key, value) in logs {
            info += " - \(key): " + Self.format(value, absolute: true)
        }
        let width = count.count + 1 + 20 + info.count - 8
        var message = String(repeating: "\u{8}", count: previousWidth) + "\r" + bar + info
        if previousWidth > width { message += String(repeating: " ", count: previousWidth - width) }
        if finalize { message += "\n" }
        write(message)
        previousWidth = width
        lastUpdate = now
        lastCurrent = current
    }

    /// `%.4f`, or `%.4e` when not above 1e-3 (the final line compares the signed value, the bar
    /// its magnitude, as Keras does).
    static func format(_ value: Double, absolute: Bool) -> String {
        let large = absolute ? abs(value) > 1e-3 : value > 1e-3
        return String(format: large ? "%.4f" : "%.4e", value)
    }

    /// Keras's `_format_time`: ` 2s/step`, ` 41ms/step` or ` 87us/step`.
    static func formatStepTime(_ seconds: Double) -> String {
        if seconds >= 1 || seconds == 0 { return String(format: " %.0fs/step", seconds) }
        if seconds >= 1e-3 { return String(format: " %.0fms/step", seconds * 1e3) }
        return String(format: " %.0fus/step", seconds * 1e6)
    }

    static func seconds(_ value: Double) -> String { String(format: "%.0f", value) }

    static func eta(_ seconds: Double) -> String {
        let s = Int(seconds)
        if seconds > 3600 {
            return String(format: "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60)
        }
        if seconds > 60 { return String(format: "%d:%02d", s / 60, s % 60) }
        return "\(s)s"
    }

    static func padded(_ value: Int, _ digits: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, digits - text.count)) + text
    }
}
