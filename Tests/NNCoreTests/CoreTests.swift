import NNCore
import Testing

@Suite struct TensorTests {
    @Test func shapesAndRows() {
        let t = Tensor([[1, 2, 3], [4, 5, 6]])
        #expect(t.shape == [2, 3] && t.rows == 2 && t.rowWidth == 3 && t.count == 6)
        #expect(t.row(1) == [4, 5, 6])
        #expect(t.rows(1..<2) == Tensor([[4, 5, 6]]))
        #expect(Tensor([0, 1, 1]).shape == [3])
        #expect(Tensor.make(shape: [2, 2], scalars: [1, 2, 3]) == nil)
    }

    /// A short batch lowers the row count inside the reserved storage, without reallocating.
    @Test func setRowsKeepsStorage() {
        var t = Tensor(zeros: [4, 3], capacityRows: 4)
        let before = t.scalars.withUnsafeBufferPointer { $0.baseAddress }
        t.setRows(2)
        #expect(t.shape == [2, 3] && t.capacityRows == 4 && t.values.count == 6)
        t.scalars[0] = 1
        #expect(t.scalars.withUnsafeBufferPointer { $0.baseAddress } == before)
    }
}

@Suite struct RandomTests {
    @Test func sameSeedSameSequence() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42),
            c = SeededGenerator(seed: 43)
        let x = (0..<5).map { _ in a.next() }
        #expect(x == (0..<5).map { _ in b.next() })
        #expect(x != (0..<5).map { _ in c.next() })
    }

    @Test func unitFloatsAreUniformInUnitInterval() {
        var g = SeededGenerator(seed: 1)
        let values = (0..<20000).map { _ in g.nextUnitFloat() }
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = values.reduce(0, +) / Float(values.count)
        #expect(abs(mean - 0.5) < 0.01)
    }

    @Test func shuffleIsAPermutation() {
        var g = SeededGenerator(seed: 9)
        var order = Array(0..<100)
        g.shuffle(&order)
        #expect(order != Array(0..<100))
        #expect(order.sorted() == Array(0..<100))
    }
}

@Suite struct StoreAndGemmTests {
    @Test func slotsAreContiguousInCreationOrder() {
        let store = ParameterStore()
        let a = store.allocate(shape: [3, 2]), b = store.allocate(shape: [2])
        store.reserveStatistics(4)
        #expect(a.range == 0..<6 && b.range == 6..<8)
        #expect(store.count == 8 && store.gradients.count == 12)
    }

    /// cblas_sgemm with transpose flags against the product written out by hand.
    /// Every transpose combination, including the shapes with a dimension of 1 (which go to
    /// OpenBLAS's outer product and matrix-vector routines), with beta 0 over a buffer holding
    /// other values, and beta 1. The values are small multiples of 0.5, so every sum is exact.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesHandProduct(_ ta: Bool, _ tb: Bool) {
        for (m, n, k) in [(3, 2, 4), (3, 2, 1), (1, 2, 4), (3, 1, 4), (1, 1, 3), (1, 3, 1)] {
            let a: [Float] = (0..<(m * k)).map { Float($0) - 5 }
            let b: [Float] = (0..<(k * n)).map { Float($0) * 0.5 }
            func at(_ i: Int, _ p: Int) -> Float { ta ? a[p * m + i] : a[i * k + p] }
            func bt(_ p: Int, _ j: Int) -> Float { tb ? b[j * k + p] : b[p * n + j] }
            for beta: Float in [0, 1] {
                let start = (0..<(m * n)).map { Float($0 % 3) + 1 }
                var c = start
                Matmul.gemm(
                    transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: a, lda: ta ? m : k,
                    b: b, ldb: tb ? k : n, beta: beta, c: &c, ldc: n)
                for i in 0..<m {
                    for j in 0..<n {
                        let product = (0..<k).reduce(Float(0)) { $0 + at(i, $1) * bt($1, j) }
                        #expect(
                            c[i * n + j] == product + beta * start[i * n + j],
                            "m \(m) n \(n) k \(k) beta \(beta) at \(i),\(j)")
                    }
                }
            }
        }
    }

    /// An empty shard (k = 0) gives a zero product rather than stale values.
    @Test func emptyInnerDimensionGivesZeros() {
        var c: [Float] = [3, 4]
        Matmul.gemm(
            transposeA: true, transposeB: false, m: 1, n: 2, k: 0, a: [0], lda: 1, b: [0], ldb: 2,
            beta: 0, c: &c, ldc: 2)
        #expect(c == [0, 0])
    }

    @Test func localCommunicatorIsTheIdentity() throws {
        let world = LocalCommunicator()
        var values: [Float] = [1, 2]
        try world.allreduceSum(&values)
        try world.broadcast(&values, from: 0)
        #expect(values == [1, 2] && world.isRoot && world.size == 1)
        #expect(try world.gather([3], to: 0) == [3])
        #expect(try world.allgather(7) == [7])
    }
}
