import Dispatch
import Foundation
import Glibc
import Logging

/// Reloads the agent's certificate and key without a restart: on SIGHUP, and when the files'
/// modification times change (checked every `checkInterval`), so renewing a certificate is
/// writing the new files. The new identity is used by connections made afterwards; open ones
/// keep theirs, so the cluster stays connected. A reload that fails (a file half-written, a
/// key that does not match) or that would change the CA (and so the cluster) is refused with
/// one line, and the current identity stays.
final class CertificateReloader: Sendable {
    let load: @Sendable () throws(RuntimeError) -> ClusterTLS
    let files: [String]
    let transport: Transport
    let logger: Logger
    let checkInterval: Duration

    init(files: [String], transport: Transport, logger: Logger, checkInterval: Duration = .seconds(10),
         load: @escaping @Sendable () throws(RuntimeError) -> ClusterTLS) {
        self.files = files
        self.transport = transport
        self.logger = logger
        self.checkInterval = checkInterval
        self.load = load
    }

    enum Trigger: Sendable { case hangup, tick }

    /// Runs until cancelled.
    func run() async {
        let (triggers, sink) = AsyncStream.makeStream(of: Trigger.self, bufferingPolicy: .bufferingNewest(4))
        // SIGHUP would otherwise end the process: it is taken over here and turned into a reload.
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { sink.yield(.hangup) }
        source.resume()
        let ticker = Task { [checkInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: checkInterval)
                sink.yield(.tick)
            }
        }
        defer {
            ticker.cancel()
            source.cancel()
        }
        var seen = modificationTimes()
        for await trigger in triggers {
            if Task.isCancelled { break }
            let now = modificationTimes()
            // A tick reloads only after the files changed; SIGHUP always does.
            guard trigger == .hangup || now != seen else { continue }
            seen = now
            reload()
        }
    }

    /// Reloads now; returns whether the new identity is in use.
    @discardableResult
    func reload() -> Bool {
        let current = transport.tls
        let next: ClusterTLS
        do {
            next = try load()
        } catch {
            logger.error("TLS certificate reload refused, the current certificate stays: \(error)")
            return false
        }
        guard next.clusterID == current.clusterID else {
            logger.error("TLS certificate reload refused, the current certificate stays: the new CA is another cluster's (cluster id \(next.clusterID ?? "?") instead of \(current.clusterID ?? "?"))")
            return false
        }
        transport.replaceTLS(next)
        logger.notice("TLS certificate reloaded: new connections use it (\(next.firstExpiry.file) expires \(next.firstExpiry.date)); open connections keep theirs")
        if let warning = next.expiryWarning() { logger.warning("\(warning)") }
        return true
    }

    func modificationTimes() -> [Date?] {
        files.map { (try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate]) as? Date }
    }
}
