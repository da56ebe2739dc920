/// Colours that stay distinguishable for the common forms of colour blindness.
enum Palette {
    /// Okabe & Ito (2008), without the yellow that vanishes on white; one per learner.
    static let categorical = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#999933"]

    /// The colour of the `index`-th learner; cycles when there are more learners than colours.
    static func color(_ index: Int) -> String {
        categorical[index % categorical.count]
    }

    /// Viridis at five anchors: perceptually uniform and readable in greyscale, for heatmaps.
    static let sequentialAnchors: [(Double, Double, Double)] = [
        (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
    ]

    /// The heatmap colour of `fraction` in [0, 1] (clamped), interpolated between anchors.
    static func sequential(_ fraction: Double) -> String {
        let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
        let scaled = clamped * Double(sequentialAnchors.count - 1)
        let lower = min(Int(scaled), sequentialAnchors.count - 2)
        let weight = scaled - Double(lower)
        let (r0, g0, b0) = sequentialAnchors[lower]
        let (r1, g1, b1) = sequentialAnchors[lower + 1]
        func channel(_ from: Double, _ to: Double) -> Int { Int((from + (to - from) * weight).rounded()) }
        return hex(channel(r0, r1), channel(g0, g1), channel(b0, b1))
    }

    /// Dark text on the light end of the scale, white on the dark end.
    static func textColor(onSequential fraction: Double) -> String {
        fraction > 0.55 ? "#111111" : "#ffffff"
    }

    /// Fill of a cell that was never evaluated.
    static let missing = "#e6e6e6"

    private static func hex(_ red: Int, _ green: Int, _ blue: Int) -> String {
        let digits = Array("0123456789abcdef")
        return "#" + [red, green, blue].map { "\(digits[$0 / 16])\(digits[$0 % 16])" }.joined()
    }
}
