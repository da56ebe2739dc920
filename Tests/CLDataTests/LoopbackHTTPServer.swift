import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 (a free port), serving fixed bytes per path with
/// GET, one request per connection (each on its own thread); 404 for anything else. Tests only: no traffic leaves
/// the machine.
final class LoopbackHTTPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let files: [String: [UInt8]]
    private let lock = NSLock()
    private var served: [String] = []

    /// Paths requested so far.
    var requests: [String] { lock.lock(); defer { lock.unlock() }; return served }

    var baseURL: String { "http://127.0.0.1:\(port)/" }

    /// The first `trickling` requests get their body one byte every 0.2 s (a stalling server).
    private var trickling: Int

    init(files: [String: [UInt8]], trickling: Int = 0) throws {
        self.files = files
        self.trickling = trickling
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 16) == 0 else { close(listener); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in serve() }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            // One thread per connection: a trickling response must not hold up the next client.
            Thread.detachNewThread { [self] in
                handle(client)
                close(client)
            }
        }
    }

    private func handle(_ client: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.ends(with: Array("\r\n\r\n".utf8)) {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            request += buffer[0..<n]
            if request.count > 65536 { return }
        }
        let firstLine = String(decoding: request, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = firstLine.split(separator: " ")
        let path = parts.count >= 2 ? String(parts[1]) : ""
        lock.lock(); served.append(path)
        let trickle = trickling > 0
        trickling -= 1
        lock.unlock()
        let body = files[path]
        let status = body == nil ? "404 Not Found" : "200 OK"
        let content = body ?? Array("not here".utf8)
        let header =
            "HTTP/1.1 \(status)\r\nContent-Length: \(content.count)\r\n"
            + "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
        guard trickle else { sendAll(client, Array(header.utf8) + content); return }
        guard sendAll(client, Array(header.utf8)) else { return }
        for byte in content {  // until the client gives up and the send fails
            Thread.sleep(forTimeInterval: 0.2)
            guard sendAll(client, [byte]) else { return }
        }
    }

    /// Sends every byte; false when the client has gone.
    @discardableResult
    private func sendAll(_ client: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        return bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = send(client, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
