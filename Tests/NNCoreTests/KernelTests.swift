import CKernels
import TestSupport
import NNCore
import Testing

/// The element-wise C kernels at every vector width the CPU offers give, bit for bit, the
/// scalar formula written out here in Swift (IEEE operations, one rounding each).
@Suite(.serialized) struct KernelTests {
    static let count = 1003  // not a multiple of any width: every run has a scalar tail

    static func inputs(seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float(generator.nextNormal()) }
    }

    /// Runs `body` at each supported width, then at the widest with optimizer steps split in
    /// two across OpenBLAS's threads (when OpenBLAS has a thread pool), and returns the
    /// configurations it ran, named as `body` receives them ("width 16", "width 16, split").
    static func inEachConfiguration(_ body: (String) -> Void) -> [String] {
        let original = nn_kernels_width()
        defer { _ = nn_kernels_set_width(original) }
        var ran: [String] = []
        for width: Int32 in [16, 8, 4, 1] {
            _ = nn_kernels_set_width(width)
            guard nn_kernels_width() == width else { continue }
            body("width \(width)")
            ran.append("width \(width)")
        }
        _ = nn_kernels_set_width(original)
        withKernelsSplit(minimum: count / 2) {
            guard kernelSplitParts(count) == 2 else { return }
            body("width \(original), split")
            ran.append("split")
        }
        return ran
    }

    /// Where OpenBLAS runs a thread pool, long optimizer steps are split across it, short ones
    /// are not (handing work over would cost more than it saves).
    @Test func optimizerStepsSplitWhereOpenBLASHasThreads() {
        withKernelsSplit(minimum: Self.count / 2) {
            #expect(kernelSplitParts(Self.count) == (openBLASHasThreadPool ? 2 : 1))
            #expect(kernelSplitParts(Self.count / 2 - 1) == 1)
        }
    }

    /// OpenBLAS before 0.3.11 coded single precision differently in the call the split uses.
    @Test func splitNeedsOpenBLAS0311OrLater() {
        for (config, splits) in [
            ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64", true),
            ("OpenBLAS 0.3.11 ", true), ("OpenBLAS 0.4.0", true), ("OpenBLAS 1.0.0", true),
            ("OpenBLAS 0.3.10 DYNAMIC_ARCH", false), ("OpenBLAS 0.2.20", false),
            ("OpenBLAS", false), ("", false), ("BLIS 0.9.0", false),
        ] {
            #expect((nn_openblas_config_splits(config) != 0) == splits, "\(config)")
        }
    }

    static func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    @Test func adamMatchesTheScalarFormula() {
        let g = Self.inputs(seed: 1), start = Self.inputs(seed: 2)
        let (alpha, b1, b2, epsilon): (Float, Float, Float, Float) = (1e-3, 0.1, 0.001, 1e-7)
        var w = start, m = [Float](repeating: 0, count: Self.count), v = m
        for _ in 0..<3 {
            for i in 0..<Self.count {
                m[i] = m[i] + (g[i] - m[i]) * b1
                v[i] = v[i] + (g[i] * g[i] - v[i]) * b2
                w[i] = w[i] - m[i] * alpha / (v[i].squareRoot() + epsilon)
            }
        }
        let ran = Self.inEachConfiguration { _ in
            var kw = start, km = [Float](repeating: 0, count: Self.count), kv = km
            var kg = g
            for _ in 0..<3 {
                kg = g
                nn_adam_update(&kw, &kg, &km, &kv, nil, Self.count, alpha, b1, b2, epsilon)
            }
            #expect(Self.bits(kw) == Self.bits(w) && Self.bits(km) == Self.bits(m))
            #expect(Self.bits(kv) == Self.bits(v))
            #expect(kg.allSatisfy { $0.bitPattern == 0 })  // cleared to +0
        }
        #expect(ran.contains("width 4") && ran.contains("width 1"))
        #expect(!openBLASHasThreadPool || ran.contains("split"))
    }

    @Test func rmspropVariantsMatchTheScalarFormula() {
        let g = Self.inputs(seed: 3), start = Self.inputs(seed: 4)
        let (lr, rho, momentum, epsilon): (Float, Float, Float, Float) = (0.01, 0.9, 0.5, 1e-7)
        for (centered, withMomentum) in [
            (false, false), (true, false), (false, true), (true, true),
        ] {
            let zeros = [Float](repeating: 0, count: Self.count)
            var w = start, s = zeros, a = zeros, velocity = zeros
            for _ in 0..<2 {
                for i in 0..<Self.count {
                    s[i] = rho * s[i] + (1 - rho) * g[i] * g[i]
                    var denominator = s[i]
                    if centered {
                        a[i] = rho * a[i] + (1 - rho) * g[i]
                        denominator = s[i] - a[i] * a[i]
                    }
                    var step = lr * g[i] / (denominator + epsilon).squareRoot()
                    if withMomentum {
                        velocity[i] = momentum * velocity[i] + step
                        step = velocity[i]
                    }
                    w[i] = w[i] - step
                }
            }
            _ = Self.inEachConfiguration { _ in
                var kw = start, ks = zeros, ka = zeros, kv = zeros, kg = g
                for _ in 0..<2 {
                    kg = g
                    ka.withUnsafeMutableBufferPointer { ka in
                        kv.withUnsafeMutableBufferPointer { kv in
                            nn_rmsprop_update(
                                &kw, &kg, &ks, withMomentum ? kv.baseAddress : nil,
                                centered ? ka.baseAddress : nil, Self.count, lr, rho, momentum,
                                epsilon)
                        }
                    }
                }
                #expect(
                    Self.bits(kw) == Self.bits(w), "centered \(centered) momentum \(withMomentum)")
                #expect(kg.allSatisfy { $0.bitPattern == 0 })  // cleared to +0
            }
        }
    }

    @Test func adagradAdadeltaNadamMatchTheScalarFormulas() {
        let g = Self.inputs(seed: 5), start = Self.inputs(seed: 6)
        let zeros = [Float](repeating: 0, count: Self.count)
        // Adagrad
        var w = start, a = zeros
        for i in 0..<Self.count {
            a[i] = a[i] + g[i] * g[i]
            w[i] = w[i] - 0.01 * g[i] / (a[i] + 1e-7).squareRoot()
        }
        let adagrad = w
        // Adadelta
        w = start
        var eg = zeros, ed = zeros
        let rho: Float = 0.95
        for i in 0..<Self.count {
            eg[i] = rho * eg[i] + (1 - rho) * g[i] * g[i]
            let delta = -(ed[i] + 1e-7).squareRoot() / (eg[i] + 1e-7).squareRoot() * g[i]
            ed[i] = rho * ed[i] + (1 - rho) * delta * delta
            w[i] = w[i] + 1 * delta
        }
        let adadelta = w
        // Nadam, one step with fixed momentum terms
        w = start
        var m = zeros, v = zeros
        let (ut, ut1, product, product1, beta2Power): (Float, Float, Float, Float, Float) =
            (0.9, 0.91, 0.9, 0.81, 0.999)
        for i in 0..<Self.count {
            m[i] = m[i] + (g[i] - m[i]) * (1 - 0.9)
            v[i] = v[i] + (g[i] * g[i] - v[i]) * (1 - 0.999)
            let mHat = ut1 * m[i] / (1 - product1) + (1 - ut) * g[i] / (1 - product)
            let vHat = v[i] / (1 - beta2Power)
            w[i] = w[i] - 1e-3 * mHat / (vHat.squareRoot() + 1e-7)
        }
        let nadam = w
        _ = Self.inEachConfiguration { width in
            // Each kernel also clears the gradients it read (to +0).
            func cleared(_ values: [Float]) -> Bool { values.allSatisfy { $0.bitPattern == 0 } }
            var kw = start, ka = zeros, kg = g
            nn_adagrad_update(&kw, &kg, &ka, Self.count, 0.01, 1e-7)
            #expect(Self.bits(kw) == Self.bits(adagrad), "adagrad at \(width)")
            #expect(cleared(kg))
            (kw, kg) = (start, g)
            var keg = zeros, ked = zeros
            nn_adadelta_update(&kw, &kg, &keg, &ked, Self.count, 1, rho, 1e-7)
            #expect(Self.bits(kw) == Self.bits(adadelta), "adadelta at \(width)")
            #expect(cleared(kg))
            (kw, kg) = (start, g)
            var km = zeros, kv = zeros
            nn_nadam_update(
                &kw, &kg, &km, &kv, Self.count, 1e-3, 0.9, 0.999, ut, ut1, product, product1,
                beta2Power, 1e-7)
            #expect(Self.bits(kw) == Self.bits(nadam), "nadam at \(width)")
            #expect(cleared(kg))
        }
    }

    @Test func sgdAdamaxAmsgradMatchTheScalarFormulas() {
        var g = Self.inputs(seed: 11)
        g[3] = -0.0
        g[4] = 0
        let start = Self.inputs(seed: 12), zeros = [Float](repeating: 0, count: Self.count)
        let (lr, momentum): (Float, Float) = (0.01, 0.9)
        // SGD: plain, momentum, Nesterov; two steps each so the velocity matters.
        var expectedSGD: [[Float]] = []
        for form in 0..<3 {
            var w = start, v = zeros
            for _ in 0..<2 {
                for i in 0..<Self.count {
                    if form == 0 {
                        w[i] -= g[i] * lr
                    } else {
                        let vi = v[i] * momentum - g[i] * lr
                        v[i] = vi
                        w[i] += form == 2 ? vi * momentum - g[i] * lr : vi
                    }
                }
            }
            expectedSGD.append(w)
        }
        // Adamax and AMSGrad, two steps each. A NaN gradient at index 5 checks the order of
        // Swift's max (the first argument when the second is NaN).
        var h = g
        h[5] = .nan
        let (rate, beta1, beta2, epsilon): (Float, Float, Float, Float) = (0.002, 0.9, 0.999, 1e-7)
        // Adamax: the smaller second gradient keeps β2 · u.
        var w = start, m = zeros, u = zeros
        for step in 0..<2 {
            for i in 0..<Self.count {
                let gi = step == 0 ? h[i] : h[i] * 0.5
                m[i] += (gi - m[i]) * (1 - beta1)
                u[i] = max(beta2 * u[i], abs(gi))
                w[i] -= rate * m[i] / (u[i] + epsilon)
            }
        }
        let (adamax, adamaxU) = (w, u)
        // AMSGrad: the second gradient is small enough (×0.01) for v to fall, so the maximum of
        // the first step is kept.
        (w, m) = (start, zeros)
        var v = zeros, vMax = zeros
        for step in 0..<2 {
            for i in 0..<Self.count {
                let gi = step == 0 ? h[i] : h[i] * 0.01
                m[i] = m[i] + (gi - m[i]) * (1 - beta1)
                v[i] = v[i] + (gi * gi - v[i]) * (1 - beta2)
                vMax[i] = max(vMax[i], v[i])
                w[i] = w[i] - m[i] * rate / (vMax[i].squareRoot() + epsilon)
            }
        }
        let (amsgrad, amsgradMax) = (w, vMax)
        #expect(zip(v, vMax).filter { $0 < $1 }.count > Self.count / 2)  // the maximum matters
        #expect(!adamaxU[5].isNaN && !amsgradMax[5].isNaN)
        /// Equal bits, or both NaN (index 5's weight).
        func same(_ a: [Float], _ b: [Float]) -> Bool {
            zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
        }
        let ran = Self.inEachConfiguration { configuration in
            func cleared(_ values: [Float]) -> Bool { values.allSatisfy { $0.bitPattern == 0 } }
            for form in 0..<3 {
                var kw = start, kv = zeros, kg = g
                for _ in 0..<2 {
                    kg = g
                    kv.withUnsafeMutableBufferPointer { kv in
                        nn_sgd_update(
                            &kw, &kg, form == 0 ? nil : kv.baseAddress, Self.count, lr,
                            form == 0 ? 0 : momentum, form == 2 ? 1 : 0)
                    }
                }
                #expect(
                    Self.bits(kw) == Self.bits(expectedSGD[form]), "sgd \(form), \(configuration)")
                #expect(cleared(kg))
            }
            var kw = start, km = zeros, ku = zeros, kg = h
            for step in 0..<2 {
                kg = step == 0 ? h : h.map { $0 * 0.5 }
                nn_adamax_update(&kw, &kg, &km, &ku, Self.count, rate, beta1, beta2, epsilon)
            }
            #expect(
                same(kw, adamax) && Self.bits(ku) == Self.bits(adamaxU), "adamax, \(configuration)")
            #expect(cleared(kg))
            (kw, km) = (start, zeros)
            var kv = zeros, kvMax = zeros
            for step in 0..<2 {
                kg = step == 0 ? h : h.map { $0 * 0.01 }
                nn_adam_update(
                    &kw, &kg, &km, &kv, &kvMax, Self.count, rate, 1 - beta1, 1 - beta2, epsilon)
            }
            #expect(same(kw, amsgrad), "amsgrad at \(configuration)")
            #expect(Self.bits(kvMax) == Self.bits(amsgradMax), "amsgrad maximum, \(configuration)")
            #expect(cleared(kg))
        }
        #expect(!openBLASHasThreadPool || ran.contains("split"))
    }

    /// ReLU keeps NaN (of either sign) and turns negative values and -0 + negative bias to +0.
    @Test func reluKernelsKeepNaNAndZeroNegatives() {
        var values = Self.inputs(seed: 7)
        values[5] = .nan
        values[6] = -0.0
        values[7] = -.nan
        let (rows, width) = (59, 17)
        let bias = (0..<width).map { Float($0) * 0.1 - 0.8 }
        var expected = values
        for r in 0..<rows {
            for j in 0..<width {
                let z = values[r * width + j] + bias[j]
                expected[r * width + j] = z < 0 ? 0 : z
            }
        }
        let gradient = Self.inputs(seed: 8)
        let expectedGradient = (0..<Self.count).map { values[$0] > 0 ? gradient[$0] : 0 }
        let ran = Self.inEachConfiguration { lanes in
            var y = values
            nn_bias_relu(&y, bias, rows, width)
            #expect(Self.bits(y) == Self.bits(expected), "bias + relu at \(lanes)")
            #expect(y[5].isNaN && y[7].isNaN && y[7].sign == .minus)
            var dy = gradient
            nn_relu_backward(values, &dy, Self.count)
            #expect(Self.bits(dy) == Self.bits(expectedGradient), "relu backward at \(lanes)")
        }
        #expect(ran.count >= 2)
    }

    /// A batch gather copies the ordered rows (repeats allowed), also when split across threads.
    @Test func gatherCopiesTheOrderedRows() {
        let (rows, width) = (59, 17)  // 1003 values, as the split configuration expects
        let data = Self.inputs(seed: 10)
        let order = (0..<rows).map { ($0 * 37 + 11) % rows } + [3, 3]
        let expected = order.flatMap { data[$0 * width..<($0 + 1) * width] }
        let ran = Self.inEachConfiguration { configuration in
            var batch = [Float](repeating: .nan, count: order.count * width)
            order.map { CLong($0) }.withUnsafeBufferPointer { o in
                nn_gather_rows(&batch, data, o.baseAddress!, order.count, width)
            }
            #expect(Self.bits(batch) == Self.bits(expected), "gather at \(configuration)")
        }
        #expect(!openBLASHasThreadPool || ran.contains("split"))
    }

    /// The first NaN or infinity, found at every width and at every position (in the vector
    /// part and in the tail), or the count when there is none.
    @Test func firstNonFiniteIsExact() {
        let clean = Self.inputs(seed: 9)
        let ran = Self.inEachConfiguration { width in
            #expect(nn_first_nonfinite(clean, clean.count) == clean.count)
            for position in [0, 1, 15, 16, 17, 500, Self.count - 2, Self.count - 1] {
                for bad: Float in [.nan, .infinity, -.infinity, -.nan] {
                    var values = clean
                    values[position] = bad
                    values[min(position + 3, Self.count - 1)] = .nan  // a later one as well
                    #expect(
                        nn_first_nonfinite(values, values.count) == position,
                        "\(bad) at \(position), \(width)")
                }
            }
            // Largest finite values are finite.
            let extremes: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0, -0.0]
            #expect(nn_first_nonfinite(extremes, extremes.count) == extremes.count)
        }
        #expect(ran.count >= 2)
    }
}
