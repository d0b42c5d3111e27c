import Foundation

/// Where registered services survive restarts: `<data-dir>/services.json`, replaced whole
/// (written to a temporary file, synced, renamed) so a crash leaves the old or the new list,
/// never half of one.
public struct RegistrationFile: Sendable {
    public let path: String
    /// Largest file read back (1 000 services fit with room to spare).
    static let maximumBytes = 8 << 20

    public init(directory: String) { path = (directory as NSString).appendingPathComponent("services.json") }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The stored services (none when the file does not exist).
    public func read() throws(Failure) -> [RegisteredService] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Failure(description: "cannot read the registered services in \(path): \(error)")
        }
        guard data.count <= Self.maximumBytes else { throw Failure(description: "\(path) is over \(Self.maximumBytes) bytes; move it aside to start without it") }
        do {
            return try JSONDecoder().decode([RegisteredService].self, from: data)
        } catch {
            throw Failure(description: "\(path) is not a list of registered services (\(error)); move it aside to start without them")
        }
    }

    /// Replaces the stored services.
    public func write(_ services: [RegisteredService]) throws(Failure) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = path + ".tmp"
        do {
            let data = try encoder.encode(services)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temporary, contents: data) else { throw Failure(description: "cannot create \(temporary)") }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, path) == 0 else { throw Failure(description: "cannot rename \(temporary) to \(path): errno \(errno)") }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "cannot write the registered services to \(path): \(error)")
        }
    }
}
