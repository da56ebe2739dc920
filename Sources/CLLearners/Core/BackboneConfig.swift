/// The protocol's `backbone:` block: which feature extractor learners use.
public struct BackboneConfig: Sendable, Equatable {
    /// "identity" (pixels in [0, 1], flattened), or a network name.
    public var kind: String = "identity"
    /// Hidden widths for "mlp".
    public var widths: [Int] = []

    public init(kind: String = "identity", widths: [Int] = []) {
        self.kind = kind
        self.widths = widths
    }

    /// Backbone kinds this build provides.
    public static var available: [String] { BackboneFactory.available }
    /// Backbone kinds named in the design that later versions provide.
    public static let planned = ["pretrained"]
}
