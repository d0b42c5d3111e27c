/// How records of one type are ordered in an answer (CNAMEs always come first, in chain order).
public enum AnswerOrder: String, Sendable, CaseIterable {
    /// Rotated by the query id, so successive clients start at different records (default).
    case roundRobin = "round_robin"
    /// Shuffled with the server's seeded generator.
    case random
    /// As stored (sorted), the same for every query.
    case none
}
