import Testing
@testable import CLData

@Suite struct TarArchiveTests {
    @Test func longNamesFromGNUAndPaxHeaders() throws {
        let longPath = String(repeating: "folder/", count: 20) + "image.png"
        let paxPath = String(repeating: "pax/", count: 30) + "other.png"
        let paxRecord = "path=\(paxPath)\n"
        // A pax record is "<length> <key>=<value>\n", the length counting itself.
        var length = paxRecord.utf8.count + 4
        if String(length).count + 1 + paxRecord.utf8.count != length {
            length = String(length).count + 1 + paxRecord.utf8.count
        }
        let bytes =
            tarEntry("././@LongLink", Array(longPath.utf8) + [0], type: "L") + tarEntry("truncated-name", [1, 2, 3])
            + tarEntry("PaxHeader", Array("\(length) \(paxRecord)".utf8), type: "x") + tarEntry("short", [4])
            + tarEntry("plain.txt", [5, 6]) + [UInt8](repeating: 0, count: 1024)
        let archive = try TarArchive(bytes: bytes, file: "t.tar")
        #expect(archive.members.map(\.path) == [longPath, paxPath, "plain.txt"])
        #expect(Array(archive.bytes[archive.members[0].range]) == [1, 2, 3])
        #expect(Array(archive.bytes[archive.members[2].range]) == [5, 6])
    }

    @Test func corruptHeaderIsAnInputError() {
        var bytes = tarBytes([("a.png", [1, 2, 3])])
        bytes[10] ^= 0x41
        #expect(
            expectInputError(fileContains: "c.tar", messageContains: "checksum") {
                _ = try TarArchive(bytes: bytes, file: "c.tar")
            })
    }

    @Test func memberLongerThanTheFileIsTruncation() {
        let bytes = Array(tarBytes([("a.png", [UInt8](repeating: 9, count: 2000))]).prefix(1200))
        #expect(
            expectInputError(fileContains: "cut.tar", messageContains: "truncated") {
                _ = try TarArchive(bytes: bytes, file: "cut.tar")
            })
    }
}
