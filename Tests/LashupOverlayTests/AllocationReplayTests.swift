import LashupOverlay
import LashupTestSupport
import Testing

/// Scripts the sweep (`LASHUP_OVERLAY_PROPERTY_RUNS`) once failed on, replayed as they were.
@Suite("Overlay allocation: replays of found failures", .onDedicatedThread)
struct AllocationReplayTests {
    /// node-6 lost its disk while cut off from node-0 (which held slot 3) and while the only
    /// hosts on its side were down: knowing no member at all, it claimed alone after 10 s and
    /// settled slot 3 too. A host given contacts now never claims or settles without reaching
    /// one.
    @Test("a wiped host cut off from its cluster does not settle a subnet held there")
    func wipedAndAlone() async {
        await AllocationPropertyTests.run(script: [[2, 0], [0, 7], [3, 1], [3, 3], [6, 6], [6, 1], [5, 6], [1, 1], [4, 5], [3, 4], [4, 7], [1, 5], [0, 3], [4, 6], [7, 4], [1, 3], [4, 5], [0, 1], [2, 3], [4, 1], [1, 0], [6, 0], [6, 7], [1, 3], [5, 3], [4, 1], [6, 1], [5, 6], [4, 6], [3, 7], [4, 5], [3, 1], [2, 4], [0, 6], [7, 3], [1, 4], [6, 6], [6, 2], [4, 2], [4, 7], [7, 2], [7, 1], [7, 6], [7, 0], [7, 0], [7, 0], [7, 0], [7, 0], [7, 0], [7, 0], [7, 0], [7, 0]], seed: 23809)
    }
}
