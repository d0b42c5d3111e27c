import Foundation
import Logging

/// The agent's log handler: one line per message on standard error, as text (swift-log's
/// stream format) or as one JSON object per line for log shippers (`--log-format json`:
/// `{"ts","level","label","message", …metadata}`), at the level `LogLevelSetting` holds now.
public struct AgentLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable { case text, json }

    let label: String
    let format: Format
    let setting: LogLevelSetting
    var text: StreamLogHandler
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    public init(label: String, format: Format, setting: LogLevelSetting) {
        self.label = label
        self.format = format
        self.setting = setting
        text = StreamLogHandler.standardError(label: label)
        text.logLevel = .trace
    }

    /// Read from the shared setting on every message; setting it here changes it for all.
    public var logLevel: Logger.Level {
        get { setting.level }
        set { setting.level = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        switch format {
        case .text:
            var handler = text
            handler.metadata = metadata
            handler.log(event: event)
        case .json:
            let level = event.level, message = event.message, explicit = event.metadata, source = event.source
            var fields: [String: Any] = [:]
            for (key, value) in metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 }) { fields[key] = Self.plain(value) }
            fields["ts"] = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
            fields["level"] = level.rawValue
            fields["label"] = label
            fields["source"] = source
            fields["message"] = message.description
            guard var data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
            data.append(0x0A)
            FileHandle.standardError.write(data)
        }
    }

    static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case let .string(text): text
        case let .stringConvertible(convertible): convertible.description
        case let .array(values): values.map(plain)
        case let .dictionary(values): values.mapValues(plain)
        }
    }
}
