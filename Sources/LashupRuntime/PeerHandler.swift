import Foundation
import LashupMembership
import LashupNode
import LashupWire
import NIOCore
import NIOSSL

/// One connection's protocol: each side sends its hello first; no node traffic passes until
/// the peer's hello is accepted (same cluster and protocol version, and the node name its
/// certificate carries). A malformed frame closes the connection.
final class PeerHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = Frame

    enum Role: Sendable {
        case inbound
        /// Dialled by this node to reach `requested`.
        case outbound(requested: NodeID, generation: UInt64)
    }

    let transport: Transport
    let role: Role
    var peer: Hello?
    var timeout: Scheduled<Void>?

    init(transport: Transport, role: Role) {
        self.transport = transport
        self.role = role
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let hello = transport.localHello else {
            context.close(promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(Frame(hello)), promise: nil)
        let channel = context.channel
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: transport.limits.handshakeTimeout) {
            if bound.value.peer == nil {
                bound.value.transport.logger.warning("closing connection: no hello within the handshake timeout", metadata: ["remote": "\(channel.remoteAddress?.description ?? "?")"])
                channel.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let peer else {
            receiveHello(frame, context: context)
            return
        }
        // Both sides send a hello at once: this side may have accepted the peer's before the
        // peer's refusal of ours arrives. Say why, as for a refusal in place of a hello.
        if frame.type == .refusal {
            let reason = (try? frame.decode(as: Refusal.self).reason) ?? "(unreadable reason)"
            transport.logger.error("peer \(peer.node) at \(context.channel.remoteAddress?.description ?? "?") refused this node: \(reason)")
            context.close(promise: nil)
            return
        }
        do {
            transport.received(try ClusterMessage(frame: frame), from: peer)
        } catch {
            transport.count { $0.protocolErrors += 1 }
            transport.logger.warning("closing connection from \(peer.node): malformed frame: \(error)")
            context.close(promise: nil)
        }
    }

    func receiveHello(_ frame: Frame, context: ChannelHandlerContext) {
        let remote = context.channel.remoteAddress?.description ?? "?"
        if frame.type == .refusal {
            let reason = (try? frame.decode(as: Refusal.self).reason) ?? "(unreadable reason)"
            transport.logger.error("peer at \(remote) refused this node: \(reason)")
            context.close(promise: nil)
            return
        }
        let hello: Hello
        do {
            hello = try frame.decode(as: Hello.self)
        } catch {
            transport.count { $0.protocolErrors += 1 }
            transport.logger.warning("closing connection from \(remote): expected a hello: \(error)")
            context.close(promise: nil)
            return
        }
        if let reason = refusalReason(hello, context: context) {
            transport.count { $0.handshakesRefused += 1 }
            transport.logger.warning("refusing \(hello.node) at \(remote): \(reason)")
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(Frame(Refusal(reason: reason)))).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        peer = hello
        timeout?.cancel()
        if case let .outbound(requested, generation) = role {
            transport.outboundReady(context.channel, requested: requested, generation: generation, peer: hello)
        }
    }

    func refusalReason(_ hello: Hello, context: ChannelHandlerContext) -> String? {
        guard let mine = transport.localHello else { return "this node is not ready" }
        if let reason = mine.refusalReason(for: hello) { return reason }
        let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate
        guard let der = try? certificate?.toDERBytes(), let name = CertificateAuthority.commonName(ofDER: der) else {
            return "it presented no readable certificate"
        }
        guard name == hello.node.name else {
            return "its certificate is for \"\(name)\", not for \"\(hello.node)\""
        }
        return nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        transport.closed(context.channel, role: role)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if peer == nil {
            let remote = context.channel.remoteAddress?.ipAddress ?? "?"
            let presented = try? context.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate
            if let line = TLSHandshakeFailure.describe(error, remote: remote, peerCertificate: presented, now: Date()) {
                transport.reportCertificateFailure(line, remote: remote)
            } else {
                transport.logger.info("connection failed before its hello: \(error)", metadata: ["remote": "\(context.channel.remoteAddress?.description ?? "?")"])
            }
        } else {
            transport.logger.debug("connection error: \(error)")
        }
        if error is WireError { transport.count { $0.protocolErrors += 1 } }
        context.close(promise: nil)
    }
}
