import CLashupUDP
import Foundation
import LashupDNS
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// One UDP socket answered by a thread of its own: `recvmmsg` a batch, answer each datagram
/// (our zones and cached answers at once, forwarded ones when they arrive), `sendmmsg` the
/// batch. Several share a port through SO_REUSEPORT, one per usable core.
///
/// Why not a NIO channel: per datagram NIO builds an envelope, formats the sender's address as
/// text and runs the pipeline, which cost as much as everything else together; on one core
/// that left it at 0.88 of Unbound's rate. The TCP listener and the forwarder stay on NIO.
final class DatagramListener: @unchecked Sendable {
    // @unchecked: `answering` and the buffers are touched only by the listener's own thread;
    // `sendLock` guards the descriptor for answers sent from event loops.

    /// Datagrams per system call.
    static let batch = 64
    /// Bytes per received datagram (longer ones are cut and answered FORMERR) and per answer
    /// (UDP answers never exceed 1232 bytes).
    static let slot = 4_096
    /// How often the thread looks up from a quiet socket to see whether it should stop.
    static let pollMilliseconds: Int32 = 200

    let fd: Int32
    let port: Int
    let answering: QueryAnswering
    let eventLoops: any EventLoopGroup
    /// True while the descriptor is open; answers sent from event loops hold it.
    let sendLock = NIOLockedValueBox(true)
    let stopping = Atomic<Bool>(false)
    let stopped = Atomic<Bool>(false)

    /// Binds `host:port` (port 0: any free one), sharing it with other listeners when
    /// `sharePort`. Throws the system's error, named.
    init(host: String, port: Int, sharePort: Bool, service: DNSService, eventLoops: any EventLoopGroup) throws {
        var bound: Int32 = 0
        let fd = clashup_udp_bind(host, Int32(port), sharePort ? 1 : 0, Int32(DNSServer.receiveBufferBytes), Self.pollMilliseconds, &bound)
        guard fd >= 0 else { throw DNSServerError("UDP \(host):\(port): \(String(cString: strerror(-fd)))") }
        self.fd = fd
        self.port = Int(bound)
        self.answering = QueryAnswering(service: service)
        self.eventLoops = eventLoops
    }

    /// Starts the thread.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "lashup-dns-udp"
        thread.start()
    }

    /// Closes the socket of a listener whose thread was never started (a failed start-up).
    func discard() {
        sendLock.withLockedValue { open in
            clashup_udp_close(fd)
            open = false
        }
    }

    /// Stops the started thread (within `pollMilliseconds`), which closes the socket.
    func stop() async {
        stopping.store(true, ordering: .releasing)
        while !stopped.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(20)) }
    }

    func run() {
        let count = Self.batch, slot = Self.slot
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: count * slot)
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: count * slot)
        let senders = UnsafeMutablePointer<sockaddr_storage>.allocate(capacity: count)
        let senderLengths = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
        let lengths = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
        let cut = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        let replyTo = UnsafeMutablePointer<sockaddr_storage>.allocate(capacity: count)
        let replyToLengths = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
        let replyLengths = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
        defer {
            for pointer in [UnsafeMutableRawPointer(input), UnsafeMutableRawPointer(output), UnsafeMutableRawPointer(senders),
                            UnsafeMutableRawPointer(senderLengths), UnsafeMutableRawPointer(lengths), UnsafeMutableRawPointer(cut),
                            UnsafeMutableRawPointer(replyTo), UnsafeMutableRawPointer(replyToLengths), UnsafeMutableRawPointer(replyLengths)] {
                pointer.deallocate()
            }
            sendLock.withLockedValue { open in
                clashup_udp_close(fd)
                open = false
            }
            stopped.store(true, ordering: .releasing)
        }
        var query: [UInt8] = []
        query.reserveCapacity(slot)
        while !stopping.load(ordering: .acquiring) {
            let received = clashup_udp_receive(fd, input, slot, UInt32(count), senders, senderLengths, lengths, cut)
            guard received > 0 else { continue }
            var replies = 0
            for index in 0..<Int(received) {
                query.removeAll(keepingCapacity: true)
                let start = input + index * slot
                // A datagram cut to the slot is not the query that was sent: keep its header
                // only, so it is answered FORMERR like any malformed query.
                let length = cut[index] != 0 ? min(Int(lengths[index]), 12) + 1 : Int(lengths[index])
                query.append(contentsOf: UnsafeBufferPointer(start: start, count: min(length, slot)))
                let bytes: [UInt8]
                switch answering.answer(query, tcp: false, on: eventLoops.next()) {
                case .none:
                    continue
                case let .cached(answer):
                    write(answer, to: output + replies * slot)
                    replyLengths[replies] = UInt32(answer.bytes.count)
                    replyTo[replies] = senders[index]
                    replyToLengths[replies] = senderLengths[index]
                    replies += 1
                    continue
                case let .now(encoded):
                    bytes = encoded
                case let .later(future):
                    let sender = senders[index], senderLength = senderLengths[index]
                    future.whenSuccess { [self] bytes in
                        guard let bytes else { return }
                        sendLock.withLockedValue { open in
                            guard open else { return }
                            var address = sender
                            _ = bytes.withUnsafeBufferPointer { clashup_udp_send_one(fd, $0.baseAddress, $0.count, &address, senderLength) }
                        }
                    }
                    continue
                }
                guard bytes.count <= slot else { continue }
                bytes.withUnsafeBufferPointer { (output + replies * slot).update(from: $0.baseAddress!, count: $0.count) }
                replyLengths[replies] = UInt32(bytes.count)
                replyTo[replies] = senders[index]
                replyToLengths[replies] = senderLengths[index]
                replies += 1
            }
            if replies > 0 { _ = clashup_udp_send(fd, output, slot, UInt32(replies), replyTo, replyToLengths, replyLengths) }
        }
    }

    /// Copies a cached answer into `destination`, with the query's id and current TTLs.
    func write(_ answer: CachedAnswer, to destination: UnsafeMutablePointer<UInt8>) {
        answer.bytes.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: min($0.count, Self.slot)) }
        destination[0] = UInt8(answer.id >> 8)
        destination[1] = UInt8(answer.id & 0xff)
        for (offset, ttl) in answer.ttls where offset + 4 <= Self.slot {
            destination[offset] = UInt8(ttl >> 24)
            destination[offset + 1] = UInt8((ttl >> 16) & 0xff)
            destination[offset + 2] = UInt8((ttl >> 8) & 0xff)
            destination[offset + 3] = UInt8(ttl & 0xff)
        }
    }
}

/// A DNS listener could not be opened.
struct DNSServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
