import CBLAS

/// Matrix products through OpenBLAS's `cblas_sgemm`, row-major, with transposes passed as
/// flags rather than materialised.
public enum Matmul {
    /// `c[m×n] = alpha · op(a) · op(b) + beta · c`, where `op(a)` is `m×k` and `op(b)` is `k×n`.
    ///
    /// `lda`, `ldb`, `ldc` are the row strides of the arrays as stored.
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C scaled by beta; spell it out so an empty shard is exact.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// Sets how many threads OpenBLAS uses for the rest of the process.
public func setBLASThreads(_ count: Int) {
    openblas_set_num_threads(Int32(clamping: max(1, count)))
}

/// The OpenBLAS kernel family in use ("Haswell", "SkylakeX", ...): OpenBLAS picks it for the CPU
/// unless `OPENBLAS_CORETYPE` names one.
public func blasCoreName() -> String {
    guard let name = openblas_get_corename() else { return "unknown" }
    return String(cString: name)
}
