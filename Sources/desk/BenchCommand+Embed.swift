import ArgumentParser
import DeskEmbedding
import Foundation

extension BenchCommand {
    /// `desk bench embed`: the in-process sentence-embedding model's cost (issue 16): per-query latency
    /// (one short question at a time, as search embeds it) and batched document throughput.
    struct Embed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sentence-embedding cost: query latency p50/p99 and batched document throughput (use a release build).")
        @Option(help: "The model directory (default: DESK_MODEL_DIR, else .desk/models/all-MiniLM-L6-v2).") var model: String?
        @Option(help: "Queries to time, one at a time.") var queries = 1_000
        @Option(help: "Documents to embed for the throughput.") var documents = 320
        @Option(help: "Documents per batch.") var batch = 16
        @Option(help: "OpenBLAS threads per matrix product (default: OpenBLAS's own, one per core).") var blasThreads: Int?
        @Option(help: "Threads embedding document batches side by side.") var workers = 1

        func run() async throws {
            guard queries > 0, documents > 0, batch > 0, workers > 0 else {
                throw ValidationError("queries, documents, batch and workers must be positive")
            }
            if let blasThreads { MatrixThreads.limit(to: blasThreads) }
            let directory = model.map { URL(fileURLWithPath: $0) } ?? Embedder.defaultDirectory()
            let loadStart = ContinuousClock.now
            let embedder = try Embedder(directory: directory)
            print("model: \(directory.path) loaded in \(Self.ms(ContinuousClock.now - loadStart)) ms, \(embedder.dimensions) dimensions, at most \(embedder.maxTokens) tokens")
            print("OpenBLAS threads: \(MatrixThreads.current); load average before: \(Self.loadAverage())")

            let questions = Self.questions
            for question in questions.prefix(20) { _ = embedder.embed(question) }  // warm-up: page in the weights
            var latencies: [Duration] = []
            latencies.reserveCapacity(queries)
            for index in 0..<queries {
                let start = ContinuousClock.now
                _ = embedder.embed(questions[index % questions.count])
                latencies.append(ContinuousClock.now - start)
            }
            latencies.sort()
            let tokens = questions.map { embedder.tokenize($0).count }
            print("query (single text, \(tokens.min() ?? 0)-\(tokens.max() ?? 0) tokens, \(queries) runs): "
                + "p50 \(Self.ms(Self.percentile(latencies, 0.50))) ms, p99 \(Self.ms(Self.percentile(latencies, 0.99))) ms, "
                + "max \(Self.ms(latencies.last ?? .zero)) ms")

            let texts = (0..<documents).map(Self.document)
            let documentTokens = texts.map { embedder.tokenize($0).count }
            _ = embedder.embed(batch: Array(texts.prefix(batch)))
            let start = ContinuousClock.now
            let batches = stride(from: 0, to: texts.count, by: batch).map { Array(texts[$0..<min($0 + batch, texts.count)]) }
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for index in stride(from: worker, to: batches.count, by: workers) { _ = embedder.embed(batch: batches[index]) }
            }
            let seconds = Self.seconds(ContinuousClock.now - start)
            let rate = Double(documents) / seconds
            let meanTokens = Double(documentTokens.reduce(0, +)) / Double(documentTokens.count)
            print("documents (\(documentTokens.min() ?? 0)-\(documentTokens.max() ?? 0) tokens, mean \(Int(meanTokens.rounded())), "
                + "batches of \(batch), \(workers) worker(s)): \(documents) in \(String(format: "%.2f", seconds)) s = \(String(format: "%.1f", rate)) documents/s, "
                + "\(String(format: "%.1f", 1000 / rate)) ms per document")
            print("projected: 100,000 such articles in \(String(format: "%.1f", 100_000 / rate / 60)) minutes")
            print("load average after: \(Self.loadAverage())")
        }

        /// Short questions in customers' words, as a search box receives them.
        static let questions = [
            "How do I reset my password?", "I was charged twice this month", "Can I get a refund?",
            "The app crashes when I open settings", "How do I add a user to my team?", "Where are my invoices?",
            "my order still hasn't arrived", "export data to csv", "cancel subscription", "change my email address",
            "two factor code not accepted", "error 502 when uploading a big file", "do you ship to Canada",
            "login doesn't work after the update", "How long does a refund take?", "Is my data stored in the EU?",
            "set up a custom domain for the help center", "merge two accounts", "delete my account",
            "can't attach a screenshot to my ticket", "reminders fire an hour late after changing time zone",
            "What's the difference between Team and Business?", "SSO login fails with InvalidAudience",
            "Slack notifications stopped", "pay by bank transfer instead of card",
        ]

        static let sentences = [
            "To reset your password, open the sign-in page and choose Forgot password.",
            "We send a link to the address on your account; it is valid for one hour.",
            "If the message does not arrive, check your spam folder and any filters your company applies.",
            "Administrators can also send a reset link from the Users page of the admin console.",
            "Refunds go back to the card or account you paid with and take five to ten business days.",
            "Invoices are listed under Billing, where each can be downloaded as a PDF or sent by e-mail.",
            "When the desktop client does not sync, sign out, clear its cache and sign in again.",
            "Single sign-on with SAML needs the audience URI to match the one configured in your identity provider.",
            "Exports include every ticket, article and attachment, packed as CSV files in a ZIP archive.",
            "Custom domains need a CNAME record pointing at your help centre and a few minutes for the certificate.",
            "Two-factor codes depend on your phone's clock: turn on automatic time and try again.",
            "Deleting an account is permanent after thirty days; until then an administrator can restore it.",
        ]

        /// A knowledge-base article of roughly 100 to 300 tokens, varied by `index`.
        static func document(_ index: Int) -> String {
            let count = 5 + (index * 7) % 11  // 5...15 sentences
            return (0..<count).map { sentences[(index + $0 * 5) % sentences.count] }.joined(separator: " ")
        }

        static func percentile(_ sorted: [Duration], _ p: Double) -> Duration {
            sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }

        static func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }

        static func ms(_ d: Duration) -> String { String(format: "%.2f", seconds(d) * 1000) }

        static func loadAverage() -> String {
            (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
                .split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"
        }
    }
}
