/// A 128-bit digest of content (two independent 64-bit multiply-xorshift lanes over 8-byte
/// words), for telling apart the inputs of cached work: the stage cache keys a trained base
/// session by the dataset's content, not by its name or a sample of its pixels. Fast (one
/// pass over the bytes), not cryptographic: nobody forges a dataset to collide a cache key.
public struct ContentDigest: Hashable, Sendable, Codable, CustomStringConvertible {
    private var high: UInt64 = 0x243F_6A88_85A3_08D3
    private var low: UInt64 = 0x1319_8A2E_0370_7344
    private var length: UInt64 = 0

    public init() {}

    /// 32 hexadecimal digits.
    public var description: String {
        let digits = [high, low].map { String($0, radix: 16) }
        return digits.map { String(repeating: "0", count: 16 - $0.count) + $0 }.joined()
    }

    private static func mix(_ state: UInt64, _ word: UInt64, _ multiplier: UInt64) -> UInt64 {
        var z = (state ^ word) &* multiplier
        z ^= z >> 29
        return z &* 0xBF58_476D_1CE4_E5B9
    }

    public mutating func add(bytes: UnsafeRawBufferPointer) {
        let words = bytes.count / 8
        var h = high, l = low
        for index in 0..<words {
            let word = bytes.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self)
            h = Self.mix(h, word, 0x9E37_79B9_7F4A_7C15)
            l = Self.mix(l, word ^ 0xD6E8_FEB8_6659_FD93, 0x94D0_49BB_1331_11EB)
        }
        var tail: UInt64 = 0
        for index in (words &* 8)..<bytes.count { tail = (tail << 8) | UInt64(bytes[index]) }
        high = Self.mix(h, tail, 0x9E37_79B9_7F4A_7C15)
        low = Self.mix(l, tail ^ 0xD6E8_FEB8_6659_FD93, 0x94D0_49BB_1331_11EB)
        length &+= UInt64(bytes.count)
        high = Self.mix(high, length, 0x9E37_79B9_7F4A_7C15)
    }

    public mutating func add<Element>(_ values: [Element]) {
        values.withUnsafeBytes { add(bytes: $0) }
    }

    public mutating func add(_ text: String) {
        add(Array(text.utf8))
    }
}

extension DataSplit {
    /// Shape, labels and every stored value.
    public func addContent(to digest: inout ContentDigest) {
        digest.add(sampleShape)
        digest.add(labels)
        switch storage {
        case .bytes(let bytes): digest.add("bytes"); digest.add(bytes)
        case .floats(let floats): digest.add("floats"); digest.add(floats)
        }
    }
}

extension Dataset {
    /// The digest of both splits' content (not of the name or the source path): two copies
    /// of the same data digest alike, a changed pixel does not.
    public var contentDigest: ContentDigest {
        var digest = ContentDigest()
        train.addContent(to: &digest)
        test.addContent(to: &digest)
        return digest
    }
}
