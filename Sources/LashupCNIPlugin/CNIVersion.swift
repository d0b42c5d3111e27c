/// A CNI specification version this plugin speaks (`1.0.0`), ordered so commands can ask
/// "at least 0.4.0" (CHECK) and results can pick their shape.
public struct CNIVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public let patch: Int

    /// The newest version: what VERSION reports first and what errors carry when the
    /// configuration did not say.
    public static let current = CNIVersion(1, 1, 0)
    /// Every version this plugin accepts in a configuration's `cniVersion`. Results of 0.3.x
    /// and 0.4.0 differ from 1.x only in the `version` field of their IPs.
    public static let supported: [CNIVersion] = [CNIVersion(0, 3, 0), CNIVersion(0, 3, 1), CNIVersion(0, 4, 0), CNIVersion(1, 0, 0), CNIVersion(1, 1, 0)]

    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// `MAJOR.MINOR.PATCH` with non-negative decimal parts; nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 6, part.allSatisfy(\.isASCII), let number = Int(part), number >= 0 else { return nil }
            numbers.append(number)
        }
        self.init(numbers[0], numbers[1], numbers[2])
    }

    public var isSupported: Bool { Self.supported.contains(self) }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (lhs: CNIVersion, rhs: CNIVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }
}
