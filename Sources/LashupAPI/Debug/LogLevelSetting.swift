import Logging
import Synchronization

/// The agent's log level, changeable while it runs (`lashup debug log-level LEVEL`, `PUT
/// /lashup/debug/log-level`): every log handler of the agent reads it on each message, so a
/// change applies at once to every logger, including those made before it.
public final class LogLevelSetting: Sendable {
    let raw: Atomic<UInt8>

    public init(_ level: Logger.Level) { raw = Atomic(Self.code(level)) }

    public var level: Logger.Level {
        get { Logger.Level.allCases[Int(raw.load(ordering: .relaxed))] }
        set { raw.store(Self.code(newValue), ordering: .relaxed) }
    }

    static func code(_ level: Logger.Level) -> UInt8 { UInt8(Logger.Level.allCases.firstIndex(of: level) ?? 2) }
}
