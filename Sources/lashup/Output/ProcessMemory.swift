#if canImport(Glibc)
import Glibc
#endif

/// Peak resident memory of this process in MiB (Linux `VmHWM`), or `nil` where unavailable.
func peakResidentMebibytes() -> Double? { processStatusMebibytes("VmHWM:") }

/// Resident memory of this process now, in MiB (Linux `VmRSS`), or `nil` where unavailable.
func residentMebibytes() -> Double? { processStatusMebibytes("VmRSS:") }

/// A kibibyte field of `/proc/self/status`, in MiB.
private func processStatusMebibytes(_ field: String) -> Double? {
    #if canImport(Glibc)
    guard let file = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let bytes = line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix(field) {
            let digits = text.filter(\.isNumber)
            if let kibibytes = Double(digits) { return kibibytes / 1024 }
        }
    }
    return nil
    #else
    return nil
    #endif
}
