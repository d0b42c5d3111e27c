// What every fuzz target shares: libFuzzer's entry point, the seed writer, the round-trip
// check, and how findings that are not crashes are printed.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LashupWire

// SwiftPM links every executable with `--defsym main=<Target>_main` (so that tests can import
// executables), and that symbol does not exist under `-parse-as-library`. Each target defines
// it and hands over to `runFuzzer`, which calls `LLVMFuzzerRunDriver`: exactly what
// libFuzzer's own `main` does.
@_extern(c, "LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer with the process's arguments, calling `callback` for each input.
public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv, callback)
}

/// With `LASHUP_FUZZ_SEEDS=<dir>` set, writes `seeds()` there as `seed-N` files and exits
/// (`scripts/fuzz` seeds an empty corpus this way); otherwise returns.
public func writeSeedsIfRequested(target: String, _ seeds: () -> [[UInt8]]) {
    guard let directory = getenv("LASHUP_FUZZ_SEEDS").map({ String(cString: $0) }) else { return }
    let all = seeds()
    for (index, seed) in all.enumerated() {
        let path = "\(directory)/seed-\(index)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { fatalError("cannot create \(path)") }
        _ = seed.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
    print("\(target): wrote \(all.count) seeds to \(directory)")
    exit(0)
}

/// Decodes `payload` as `T`; a value that decodes must re-encode to bytes that decode to an
/// equal value, and encoding that again must give the same bytes (one encoding per value),
/// or this traps. An accepted input that is not the canonical encoding is noted, not a crash.
@discardableResult
public func roundTrip<T: WireCodable & Equatable>(_: T.Type, _ payload: ArraySlice<UInt8>) -> T? {
    guard let value = try? T(decoding: payload) else { return nil }
    let encoded = value.encodedBytes()
    let again: T
    do { again = try T(decoding: encoded) } catch {
        fatalError("\(T.self): the re-encoding of a decoded value does not decode: \(error); input \(hex(payload)), re-encoded \(hex(encoded))")
    }
    if again != value {
        fatalError("\(T.self): round trip changed the value: \(value) -> \(again); input \(hex(payload))")
    }
    let encodedAgain = again.encodedBytes()
    if encodedAgain != encoded {
        fatalError("\(T.self): equal values encode differently: \(hex(encoded)) vs \(hex(encodedAgain)); input \(hex(payload))")
    }
    if !encoded.elementsEqual(payload) {
        note("non-canonical", "\(T.self)", "accepted an input that is not the canonical encoding of its value; input \(hex(payload)), canonical \(hex(encoded))")
    }
    return value
}

nonisolated(unsafe) private var noted: Set<String> = []

/// Prints a finding that is not a crash as a `fuzz-note:` line on stderr, once per kind and type.
public func note(_ kind: String, _ type: String, _ detail: String) {
    guard noted.insert("\(kind) \(type)").inserted else { return }
    let line = Array("fuzz-note: \(kind) \(type): \(detail)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// Lower-case hex of `bytes`.
public func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}
