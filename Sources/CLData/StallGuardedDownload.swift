import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP download streamed into a file, abandoned when it stalls.
///
/// URLSession's request timeout only measures the gap between packets, so a server that
/// trickles a byte every few seconds holds a download forever. Here a watchdog looks at
/// the bytes received: fewer than `minimumBytes` in `stallSeconds` is a stall, and the
/// transfer is cancelled with an error that says so.
final class StallGuardedDownload: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// Why an attempt ended without the file; `retryable` tells the caller whether trying
    /// again can help (a stall or a dropped connection can, a 404 cannot).
    struct Failure: Error {
        var message: String
        var retryable: Bool
    }

    private let lock = NSLock()
    private let output: FileHandle
    private var received = 0
    private var status: Int?
    private var writeError: Error?
    private let finished = DispatchSemaphore(value: 0)
    private var transferError: Error?

    private init(output: FileHandle) {
        self.output = output
    }

    /// Downloads `url` into `path` (created or truncated).
    static func run(_ url: URL, to path: String, stallSeconds: TimeInterval, minimumBytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw Failure(message: "cannot create \(path)", retryable: false)
        }
        defer { try? handle.close() }
        let download = StallGuardedDownload(output: handle)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = stallSeconds
        let session = URLSession(configuration: configuration, delegate: download, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        let task = session.dataTask(with: url)
        task.resume()

        let tick = min(1, stallSeconds / 4)
        var windowStart = Date(), windowBytes = 0
        var stalled = false
        while download.finished.wait(timeout: .now() + tick) == .timedOut {
            let bytes = download.receivedBytes
            if bytes - windowBytes >= minimumBytes {
                windowStart = Date()
                windowBytes = bytes
            } else if Date().timeIntervalSince(windowStart) >= stallSeconds {
                stalled = true
                task.cancel()
                download.finished.wait()
                break
            }
        }
        if stalled {
            throw Failure(
                message:
                    "stalled: fewer than \(minimumBytes) bytes in \(Int(stallSeconds)) s "
                    + "(\(download.receivedBytes) received)",
                retryable: true)
        }
        try download.outcome()
    }

    private var receivedBytes: Int { lock.lock(); defer { lock.unlock() }; return received }

    private func outcome() throws {
        lock.lock(); defer { lock.unlock() }
        if let writeError {
            throw Failure(message: "cannot store the download: \(writeError.localizedDescription)", retryable: false)
        }
        if let status, !(200..<300).contains(status) {
            throw Failure(message: "HTTP status \(status)", retryable: status >= 500)
        }
        if let transferError { throw Failure(message: transferError.localizedDescription, retryable: true) }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        lock.lock()
        status = (response as? HTTPURLResponse)?.statusCode
        lock.unlock()
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock(); defer { lock.unlock() }
        guard writeError == nil else { return }
        do {
            try output.write(contentsOf: data)  // the throwing form: a full disk is an error, not a trap
            received += data.count
        } catch {
            writeError = error
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        transferError = error
        lock.unlock()
        finished.signal()
    }
}
