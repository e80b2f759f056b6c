/// Groups unit vectors whose cosine similarity is high: one pass, each vector joining the most similar
/// cluster whose centroid it reaches `threshold` with, or starting one ("leader" clustering). The centroid
/// is the normalised sum of its members. Costs vectors × clusters × dimensions: meant for at most a few
/// thousand vectors (the knowledge-gaps list of recent answers), not for an index.
public enum Clusters {
    /// The clusters of `vectors` (indices into it, in input order within each), largest first; ties keep
    /// the order in which the clusters started.
    public static func group(_ vectors: [[Float]], threshold: Float) -> [[Int]] {
        var sums: [[Float]] = []
        var centroids: [[Float]] = []
        var members: [[Int]] = []
        for (index, vector) in vectors.enumerated() {
            var best = -1
            var bestScore = threshold
            for (cluster, centroid) in centroids.enumerated() {
                var score: Float = 0
                for d in 0..<min(centroid.count, vector.count) { score += centroid[d] * vector[d] }
                if score >= bestScore { bestScore = score; best = cluster }
            }
            if best < 0 {
                sums.append(vector)
                centroids.append(vector)
                members.append([index])
            } else {
                for d in 0..<min(sums[best].count, vector.count) { sums[best][d] += vector[d] }
                let norm = sums[best].reduce(0) { $0 + $1 * $1 }.squareRoot()
                centroids[best] = norm > 0 ? sums[best].map { $0 / norm } : sums[best]
                members[best].append(index)
            }
        }
        return members.enumerated().sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
            .map(\.element)
    }
}
