import CLashupNetlink
import Glibc

/// A netlink socket and its request/acknowledgement protocol: sequence numbers, batches of
/// requests sent together and acknowledged one by one, multipart dumps. Blocking; used under
/// its owner's lock.
final class NetlinkSocket {
    /// Bytes of requests sent in one system call (below the socket's send buffer).
    static let batchBytes = 64 * 1024
    /// Largest datagram read (dumps come in parts of at most a few pages).
    static let receiveCapacity = 256 * 1024
    /// Kernel receive buffer, so acknowledgements of a whole batch fit.
    static let receiveBuffer = 8 * 1024 * 1024
    /// How long one reply may take.
    static let timeoutMilliseconds: Int32 = 5_000
    /// Dumps interrupted by a concurrent change are read again this many times.
    static let dumpAttempts = 3
    /// NLM_F_DUMP_INTR: the dump changed while it was read.
    static let dumpInterrupted: UInt16 = 0x10

    let fd: Int32
    var sequence: UInt32 = 0
    var buffer: [UInt8]

    init(protocol kind: Int32, namespace: String?) throws(NetlinkError) {
        let result: Int32 = if let namespace {
            namespace.withCString { clashup_netlink_open(kind, $0, Int32(Self.receiveBuffer)) }
        } else {
            clashup_netlink_open(kind, nil, Int32(Self.receiveBuffer))
        }
        guard result >= 0 else {
            throw .socket("cannot open a netlink socket" + (namespace.map { " in \($0)" } ?? ""), code: -result)
        }
        fd = result
        buffer = [UInt8](repeating: 0, count: Self.receiveCapacity)
    }

    deinit { clashup_netlink_close(fd) }

    func nextSequence() -> UInt32 {
        sequence &+= 1
        if sequence == 0 { sequence = 1 }
        return sequence
    }

    /// Sends every request, in batches, and returns each one's outcome (nil: done). A refused
    /// request does not stop the ones after it.
    func execute(_ requests: [NetlinkRequest]) throws(NetlinkError) -> [NetlinkError?] {
        var outcomes = [NetlinkError?](repeating: nil, count: requests.count)
        var start = 0
        while start < requests.count {
            var batch = NetlinkWriter()
            var pending: [UInt32: Int] = [:]
            var end = start
            while end < requests.count, batch.bytes.isEmpty || batch.bytes.count + requests[end].payload.count + 16 <= Self.batchBytes {
                let sequence = nextSequence()
                pending[sequence] = end
                requests[end].encode(into: &batch, sequence: sequence)
                end += 1
            }
            try send(batch.bytes)
            while !pending.isEmpty {
                for message in try receive() where message.type == Netlink.MessageType.error {
                    guard let index = pending.removeValue(forKey: message.sequence) else { continue }
                    let (code, text) = try Self.errorCode(message)
                    if code != 0 { outcomes[index] = .kernel(subject: requests[index].subject, code: code, message: text) }
                }
            }
            start = end
        }
        return outcomes
    }

    /// The messages of one dump that `keep` selects (read again when a concurrent change
    /// interrupted it). Selecting as the parts arrive keeps memory to what is kept: a
    /// conntrack table can hold a million entries.
    func dump(_ request: NetlinkRequest, keep: (NetlinkMessage) throws(NetlinkError) -> Bool = { _ in true }) throws(NetlinkError) -> [NetlinkMessage] {
        for _ in 1...Self.dumpAttempts {
            let sequence = nextSequence()
            try send(request.encoded(sequence: sequence))
            var messages: [NetlinkMessage] = []
            var interrupted = false
            reading: while true {
                for message in try receive() where message.sequence == sequence {
                    if message.flags & Self.dumpInterrupted != 0 { interrupted = true }
                    switch message.type {
                    case Netlink.MessageType.done:
                        // A dump that failed part-way ends with its errno in NLMSG_DONE.
                        if message.payload.count >= 4 {
                            let code = 0 &- NetlinkReader.read(Int32.self, message.payload, 0)
                            if code != 0 { throw .kernel(subject: request.subject, code: code, message: nil) }
                        }
                        break reading
                    case Netlink.MessageType.error:
                        let (code, text) = try Self.errorCode(message)
                        if code == 0 { break reading }
                        throw .kernel(subject: request.subject, code: code, message: text)
                    default:
                        if try keep(message) { messages.append(message) }
                    }
                }
            }
            if !interrupted { return messages }
        }
        // Changing faster than it can be read: a partial view must not be diffed and acted on.
        throw .interrupted(subject: request.subject, attempts: Self.dumpAttempts)
    }

    func send(_ bytes: [UInt8]) throws(NetlinkError) {
        let sent = bytes.withUnsafeBufferPointer { clashup_netlink_send(fd, $0.baseAddress, $0.count) }
        guard sent >= 0 else { throw .socket("cannot send to the kernel", code: Int32(-sent)) }
    }

    func receive() throws(NetlinkError) -> [NetlinkMessage] {
        let length = buffer.withUnsafeMutableBufferPointer { clashup_netlink_receive(fd, $0.baseAddress, $0.count, Self.timeoutMilliseconds) }
        if length == 0 { throw .timeout("netlink request") }
        guard length > 0 else { throw .socket("cannot read from the kernel", code: Int32(-length)) }
        do {
            return try NetlinkReader.messages(in: Array(buffer[0..<length]))
        } catch {
            throw .decoding(error)
        }
    }

    /// An error message's errno (0: an acknowledgement) and its extended-ack text.
    static func errorCode(_ message: NetlinkMessage) throws(NetlinkError) -> (Int32, String?) {
        guard message.payload.count >= 4 else {
            throw .decoding(.truncated(what: "error message", need: 4, have: message.payload.count))
        }
        let error = NetlinkReader.read(Int32.self, message.payload, 0)
        var text: String?
        if message.flags & Netlink.Flag.acknowledgeTLVs != 0, message.payload.count >= 20 {
            // The echoed request: its header only when capped, else all of it.
            let echoed = message.flags & Netlink.Flag.capped != 0 ? 16 : Int(NetlinkReader.read(UInt32.self, message.payload, 4))
            let offset = 4 + NetlinkReader.aligned(max(16, echoed))
            if offset < message.payload.count, let attributes = try? NetlinkAttributes(Array(message.payload[offset...]), what: "error") {
                text = attributes.string(Netlink.ErrorAttribute.message)
            }
        }
        // 0 &- : a hostile Int32.min must not trap.
        return (0 &- error, text)
    }
}
