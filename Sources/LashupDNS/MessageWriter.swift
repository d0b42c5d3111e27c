/// Writes messages, compressing names (RFC 1035 §4.1.4) and stopping at a size limit.
struct MessageWriter {
    var bytes: [UInt8] = []
    /// Lower-cased wire form of every name suffix written so far → its offset (only offsets a
    /// pointer can hold, < 0x4000).
    var suffixes: [DomainName: Int] = [:]
    /// Where each record's TTL was written, so a cached encoding can count its TTLs down.
    var ttlOffsets: [Int] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Forgets everything written from `mark` on (a record that did not fit).
    mutating func rollBack(to mark: Int) {
        bytes.removeLast(bytes.count - mark)
        suffixes = suffixes.filter { $0.value < mark }
        ttlOffsets.removeAll { $0 >= mark }
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { bytes.append(UInt8(value >> 8)); bytes.append(UInt8(value & 0xff)) }
    mutating func u32(_ value: UInt32) {
        bytes.append(UInt8(value >> 24)); bytes.append(UInt8((value >> 16) & 0xff))
        bytes.append(UInt8((value >> 8) & 0xff)); bytes.append(UInt8(value & 0xff))
    }

    mutating func set16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xff)
    }

    /// Writes `name`, replacing its longest already-written suffix with a pointer.
    mutating func name(_ name: DomainName, compress: Bool = true) {
        let offsets = name.labelOffsets
        for (index, labelOffset) in offsets.enumerated() {
            let suffix = index == 0 ? name : DomainName(uncheckedWire: Array(name.wire[labelOffset...]))
            if compress, let target = suffixes[suffix] {
                u16(0xc000 | UInt16(target))
                return
            }
            if bytes.count < 0x4000 { suffixes[suffix] = bytes.count }
            let length = Int(name.wire[labelOffset])
            bytes += name.wire[labelOffset...(labelOffset + length)]
        }
        u8(0)
    }

    mutating func question(_ question: Question) {
        name(question.name)
        u16(question.type.rawValue)
        u16(question.recordClass.rawValue)
    }

    mutating func record(_ record: ResourceRecord) {
        name(record.name)
        u16(record.type.rawValue)
        u16(record.recordClass.rawValue)
        ttlOffsets.append(bytes.count)
        u32(record.ttl)
        let lengthOffset = bytes.count
        u16(0)
        switch record.data {
        case let .a(address), let .aaaa(address): bytes += address.bytes
        case let .cname(target), let .ns(target), let .ptr(target): name(target)
        case let .soa(soa):
            name(soa.primary)
            name(soa.mailbox)
            for field in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { u32(field) }
        case let .srv(srv):
            u16(srv.priority); u16(srv.weight); u16(srv.port)
            name(srv.target, compress: false)  // RFC 2782: the target is never compressed
        case let .txt(strings):
            for string in strings.map({ Array($0.prefix(255)) }) { u8(UInt8(string.count)); bytes += string }
        case let .unknown(_, data): bytes += data
        }
        set16(UInt16(bytes.count - lengthOffset - 2), at: lengthOffset)
    }

    mutating func opt(_ edns: EDNS, rcode: ResponseCode) {
        u8(0)
        u16(RecordType.opt.rawValue)
        u16(edns.payloadSize)
        u8(UInt8(truncatingIfNeeded: rcode.rawValue >> 4))
        u8(edns.version)
        u16(edns.dnssecOK ? 0x8000 : 0)
        u16(UInt16(edns.options.reduce(0) { $0 + 4 + $1.data.count }))
        for option in edns.options {
            u16(option.code)
            u16(UInt16(option.data.count))
            bytes += option.data
        }
    }
}

extension Message {
    /// Encodes the message in at most `limit` bytes (512 ≤ limit ≤ 65 535).
    ///
    /// When the answer or authority section does not fit, the message is cut after the last
    /// whole record that did and TC is set (RFC 2181 §9); additional records that do not fit are
    /// left out without TC. The OPT record is always kept: room for it is reserved first.
    public func encoded(limit: Int = Message.maximumLength) -> [UInt8] {
        encodedWithTTLOffsets(limit: limit).bytes
    }

    /// `encoded(limit:)` plus the offset of every record's 4-byte TTL in the result (the OPT
    /// record's is not a TTL and is not listed).
    public func encodedWithTTLOffsets(limit: Int = Message.maximumLength) -> (bytes: [UInt8], ttlOffsets: [Int]) {
        let limit = max(Self.classicUDPLimit, min(limit, Self.maximumLength))
        var writer = MessageWriter(capacity: min(limit, 1_500))
        writer.u16(header.id)
        writer.u16(header.flags)
        writer.u16(UInt16(questions.count))
        for _ in 0..<3 { writer.u16(0) }
        for question in questions { writer.question(question) }
        let budget = limit - (edns?.wireLength ?? 0)
        var truncated = false
        var counts: [UInt16] = [0, 0, 0]
        sections: for (section, records) in [answers, authorities, additionals].enumerated() {
            for record in records {
                let mark = writer.bytes.count
                writer.record(record)
                if writer.bytes.count > budget {
                    writer.rollBack(to: mark)
                    if section < 2 { truncated = true }
                    break sections
                }
                counts[section] += 1
            }
        }
        var additionalCount = counts[2]
        if let edns {
            writer.opt(edns, rcode: responseCode)
            additionalCount += 1
        }
        writer.set16(counts[0], at: 6)
        writer.set16(counts[1], at: 8)
        writer.set16(additionalCount, at: 10)
        if truncated {
            var flags = header.flags
            flags |= 0x0200
            writer.set16(flags, at: 2)
        }
        return (writer.bytes, writer.ttlOffsets)
    }
}
