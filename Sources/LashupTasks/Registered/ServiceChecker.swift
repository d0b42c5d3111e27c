import LashupCRDT
import LashupCluster
import LashupLB
import NIOCore
import NIOHTTP1
import NIOPosix

/// Runs one check of a registered service: a TCP connect, or an HTTP GET that passes on a
/// 2xx or 3xx status. Returns nil when it passed, else why it failed.
enum ServiceChecker {
    static func run(_ check: ServiceCheck, of service: RegisteredService) async -> String? {
        let timeout = Duration.milliseconds(check.timeoutMilliseconds)
        switch check.kind {
        case .tcp:
            let text = check.target ?? HostPort.format(host: service.address, port: Int(service.port))
            guard let (host, port) = HostPort.parse(text), let address = IPAddress(host), port > 0 else { return "\(text) is not IP:PORT" }
            let outcome = await TCPConnectProber(timeout: timeout).probe([ProbeTarget(address: address, port: UInt16(port))]).first?.1
            switch outcome {
            case .connected?: return nil
            case let .failed(reason)?: return "TCP \(text): \(reason)"
            case let .notProbed(reason)?: return "TCP \(text) not tried: \(reason)"
            case nil: return "TCP \(text): no outcome"
            }
        case .http:
            return await http(check.target ?? "", timeout: timeout)
        }
    }

    /// `GET url` with `Connection: close`; only the status line matters.
    static func http(_ url: String, timeout: Duration) async -> String? {
        guard url.hasPrefix("http://") else { return "\(url) is not an http:// URL" }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        guard let (host, port) = HostPort.parse(String(authority)) ?? (authority.isEmpty ? nil : (String(authority), 80)) else { return "\(url): no host" }
        let nanoseconds = Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let limit = TimeAmount.nanoseconds(nanoseconds)
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Int.self)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(limit)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(StatusReader(promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
            return "HTTP \(url): cannot connect: \(error)"
        }
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path.isEmpty ? "/" : String(path),
                                   headers: HTTPHeaders([("Host", String(authority)), ("Connection", "close"), ("User-Agent", "lashup-check")]))
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let timer = channel.eventLoop.scheduleTask(in: limit) {
            promise.fail(CheckTimeout())
            channel.close(promise: nil)
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        do {
            let status = try await promise.futureResult.get()
            return (200..<400).contains(status) ? nil : "HTTP \(url): status \(status)"
        } catch is CheckTimeout {
            return "HTTP \(url): no answer within \(timeout)"
        } catch {
            return "HTTP \(url): \(error)"
        }
    }

    struct CheckTimeout: Error {}
}

/// Completes with the status of the first response head.
final class StatusReader: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    let promise: EventLoopPromise<Int>

    init(promise: EventLoopPromise<Int>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case let .head(head) = unwrapInboundIn(data) {
            promise.succeed(Int(head.status.code))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
