import COpenBLAS

/// The threads OpenBLAS splits one matrix product across (process-wide; by default one per core).
///
/// A service that embeds in the background beside intake and dispatch can set 1, so that one embedding
/// never takes every core; a benchmark reports the figure it ran with.
public enum MatrixThreads {
    /// The threads a product may use now.
    public static var current: Int { Int(openblas_get_num_threads()) }

    /// Lets later products use at most `count` threads (at least 1).
    public static func limit(to count: Int) {
        openblas_set_num_threads(Int32(max(1, min(count, Int(Int32.max)))))
    }
}
