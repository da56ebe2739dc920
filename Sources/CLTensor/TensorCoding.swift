/// A tensor as a `Codable` value (shape and scalars), so that small tensors inside a
/// learner's saved values (`@Saved`) go into its checkpoint exactly. Decoding checks that
/// the shape fits the scalars: a damaged checkpoint is an error, not a crash later.
extension Tensor: Codable {
    private enum CodingKeys: String, CodingKey { case shape, scalars }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let shape = try container.decode([Int].self, forKey: .shape)
        let scalars = try container.decode([Float].self, forKey: .scalars)
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == scalars.count else {
            throw DecodingError.dataCorruptedError(
                forKey: .scalars, in: container,
                debugDescription: "shape \(shape) does not fit \(scalars.count) scalars")
        }
        self.init(shape: shape, scalars: scalars)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(shape, forKey: .shape)
        try container.encode(scalars, forKey: .scalars)
    }
}
