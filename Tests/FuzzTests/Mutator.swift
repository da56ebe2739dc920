/// A seeded generator (SplitMix64): the same seed gives the same inputs on every machine,
/// so a fuzz failure in CI reproduces locally.
struct FuzzRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Byte- and token-level mutations of seed inputs, stacked 1–4 at a time.
enum Mutator {
    static let interestingBytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x20, 0x3a]
    static let interestingWords: [UInt32] = [
        0, 1, 2, 3, 0x7f, 0xff, 0x100, 0x7fff, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff,
    ]
    /// Tokens that break number parsing, ranges and arithmetic, and YAML's structure.
    static let interestingTokens = [
        "-1", "0", "1", "2", "65535", "4294967296", "9223372036854775807", "-9223372036854775808",
        "99999999999999999999999", "1e308", "-1e308", "1e-320", ".nan", ".inf", "-.inf", "0x10", "1.5", "'7'",
        "[]", "{}", "~", "null", "true", "''", "[1, 2]", "[-1]", "{a: 1}", "[[1]]", "*a", "&a x", "!!binary AA==",
        "..", ".", "/", "../..", "-x", "é", "\u{0}", "a b", "\"\\u0000\"",
    ]
    /// Lines to insert into YAML inputs: keys the readers know, with odd values.
    static let yamlLines = [
        "seeds: [0, 0]", "seeds: []", "seeds: -1", "name: ..", "label: ..", "tasks: 9223372036854775807",
        "  tasks: 4000000000", "  classes_per_task: 9223372036854775807", "  initial_classes: -5",
        "  base_classes: 9223372036854775807", "  ways: 9223372036854775807", "  sessions: 9223372036854775807",
        "  shots: 9223372036854775807", "  widths: [9223372036854775807, 2]", "  widths: [0]",
        "  epochs: 9223372036854775807",
        "  batch_size: 0", "  milestones: [-1, 99999999999]", "  class_order: [0, 0, 1]", "  class_order: { seed: -1 }",
        "  class_order: [9223372036854775807]", "  resize: 9223372036854775807", "  test_per_class: -1",
        "<<: *a", "a: &a { x: 1 }", "--- ", "? complex", "- - -", "learners: [ { name: nmc }, { name: nmc } ]",
        "    seeds: [0, one]", "    seeds: [9223372036854775807]",
        "    final_accuracy: { expected: 1e308, tolerance: .nan }",
        "protocol: ''", "learners: {}", "  nmc: ~",
    ]

    /// A mutated copy of `input`; `corpus` supplies material to splice from.
    static func mutate(_ input: [UInt8], corpus: [[UInt8]], text: Bool, random: inout FuzzRandom) -> [UInt8] {
        var bytes = input
        for _ in 0...random.below(4) {
            if text && random.chance(70) {
                bytes = mutateText(bytes, random: &random)
            } else {
                mutateBytes(&bytes, corpus: corpus, random: &random)
            }
        }
        return bytes
    }

    static func mutateBytes(_ bytes: inout [UInt8], corpus: [[UInt8]], random: inout FuzzRandom) {
        if bytes.isEmpty { bytes = [random.pick(interestingBytes)]; return }
        let position = random.below(bytes.count)
        switch random.below(9) {
        case 0: bytes[position] ^= 1 << UInt8(random.below(8))
        case 1: bytes[position] = UInt8(truncatingIfNeeded: random.next())
        case 2: bytes[position] = random.pick(interestingBytes)
        case 3:  // a 32-bit value, big- or little-endian (IDX dimensions are big-endian)
            let word = random.pick(interestingWords)
            let start = random.chance(50) ? min(position & ~3, max(0, bytes.count - 4)) : position
            let pieces =
                random.chance(70)
                ? withUnsafeBytes(of: word.bigEndian, Array.init) : withUnsafeBytes(of: word.littleEndian, Array.init)
            for (k, byte) in pieces.enumerated() where start + k < bytes.count { bytes[start + k] = byte }
        case 4:
            bytes.insert(
                contentsOf: (0..<(1 + random.below(8))).map { _ in UInt8(truncatingIfNeeded: random.next()) },
                at: position)
        case 5: bytes.removeSubrange(position..<min(bytes.count, position + 1 + random.below(16)))
        case 6:  // duplicate a range
            let end = min(bytes.count, position + 1 + random.below(64))
            bytes.insert(contentsOf: bytes[position..<end], at: random.below(bytes.count))
        case 7: bytes.removeSubrange(random.below(bytes.count)...)
        default:  // splice the tail of another corpus input
            let other = random.pick(corpus)
            guard !other.isEmpty else { return }
            bytes = Array(bytes[..<position]) + other[random.below(other.count)...]
        }
    }

    static func mutateText(_ bytes: [UInt8], random: inout FuzzRandom) -> [UInt8] {
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        if lines.isEmpty { lines = [""] }
        let index = random.below(lines.count)
        switch random.below(6) {
        case 0, 1:  // replace a number or a word with an interesting token
            lines[index] = replaceToken(in: lines[index], random: &random)
        case 2: lines.insert(random.pick(yamlLines), at: random.below(lines.count + 1))
        case 3: lines.remove(at: index)
        case 4: lines.insert(lines[index], at: random.below(lines.count + 1))
        default: lines.swapAt(index, random.below(lines.count))
        }
        return Array(lines.joined(separator: "\n").utf8)
    }

    private static func replaceToken(in line: String, random: inout FuzzRandom) -> String {
        // Token boundaries: runs of characters that are not YAML punctuation or spaces.
        let characters = Array(line)
        var tokens: [Range<Int>] = []
        var start: Int?
        for (i, c) in characters.enumerated() {
            let isToken = !" ,:[]{}#\t".contains(c)
            if isToken, start == nil { start = i }
            if !isToken, let s = start { tokens.append(s..<i); start = nil }
        }
        if let s = start { tokens.append(s..<characters.count) }
        guard !tokens.isEmpty else { return line + " " + random.pick(interestingTokens) }
        let range = random.pick(tokens)
        return String(characters[..<range.lowerBound]) + random.pick(interestingTokens)
            + String(characters[range.upperBound...])
    }
}
