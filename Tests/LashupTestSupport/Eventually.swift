/// Polls `condition` until it holds or `deadline` of wall time passes; returns whether it held.
///
/// The deadline is wall time, not a count of polls: on a loaded 2-core CI machine the code under
/// test can be starved for seconds, and a fixed number of short sleeps then ends long before the
/// code had a chance to run. A generous deadline costs nothing when the condition holds early.
public func eventually(
    within deadline: Duration = .seconds(60),
    polling interval: Duration = .milliseconds(2),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: deadline)
    while clock.now < end {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
