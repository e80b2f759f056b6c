/// Why the embedding model could not be loaded.
///
/// Built like swift-service-lifecycle's errors: a struct with a private code and static constructors, so
/// cases can be added without breaking callers. Callers that can do without the model (search falls back
/// to keywords) test `isModelNotInstalled`; every other case is a damaged or unsupported model.
public struct EmbeddingError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case modelNotInstalled
        case malformedModel
        case unsupportedModel
    }

    private let code: Code
    /// A sentence naming the file and its problem.
    public let description: String

    /// The model directory lacks `file`: the model was never installed there.
    public static func modelNotInstalled(directory: String, missing file: String) -> EmbeddingError {
        EmbeddingError(code: .modelNotInstalled, description: "the embedding model is not installed in \(directory) "
            + "(it has no \(file)): run ops/scripts/install-model.sh, or point DESK_MODEL_DIR at an installed model")
    }

    /// `file` exists but is truncated, garbled or inconsistent with the others.
    static func malformed(_ file: String, _ problem: String) -> EmbeddingError {
        EmbeddingError(code: .malformedModel, description: "\(file): \(problem)")
    }

    /// `file` is well formed but asks for something this implementation does not do (another activation,
    /// another pooling, another tensor type).
    static func unsupported(_ file: String, _ problem: String) -> EmbeddingError {
        EmbeddingError(code: .unsupportedModel, description: "\(file): \(problem)")
    }

    /// The model is simply not there; search without embeddings is the expected fallback.
    public var isModelNotInstalled: Bool { code == .modelNotInstalled }
    /// A model file is truncated, garbled or inconsistent.
    public var isMalformedModel: Bool { code == .malformedModel }
}
