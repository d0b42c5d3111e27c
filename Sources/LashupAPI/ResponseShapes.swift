import LashupCluster

/// The JSON shape of one kind of response body, defined once: the API writes it, and the CLI
/// and the tests read it back with the same names, so a renamed field cannot drift between
/// them.
public protocol JSONShape {
    var json: JSONValue { get }
    /// Reads the shape back; a missing or mistyped field is an error naming it.
    init(json: JSONValue) throws(ShapeError)
}

/// A response body that does not have the shape expected of it.
public struct ShapeError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    init(_ description: String) { self.description = description }
}

/// `GET /lashup/members`: one per known node, itself included.
extension MemberView: JSONShape {
    /// `self`, `leaving`, `reachable` or `unreachable`.
    public var state: String { isSelf ? "self" : leaving ? "leaving" : reachable ? "reachable" : "unreachable" }

    public var json: JSONValue {
        .object([
            "name": .string(name),
            "address": .string(address),
            "incarnation": .integer(Int64(clamping: incarnation)),
            "reachable": .bool(reachable),
            "distance": distance.map { .integer(Int64($0)) } ?? .null,
            "last_heard_ms_ago": lastHeardMillisecondsAgo.map(JSONValue.integer) ?? .null,
            "leaving": .bool(leaving),
            "self": .bool(isSelf),
            "state": .string(state),
        ])
    }

    public init(json: JSONValue) throws(ShapeError) {
        let fields = try ShapeReader(json, "member")
        self.init(
            name: try fields.string("name"), address: try fields.string("address"),
            incarnation: UInt64(clamping: try fields.integer("incarnation")), reachable: try fields.bool("reachable"),
            distance: try fields.optionalInteger("distance").map { Int(clamping: $0) },
            lastHeardMillisecondsAgo: try fields.optionalInteger("last_heard_ms_ago"),
            leaving: try fields.bool("leaving"), isSelf: try fields.bool("self")
        )
    }
}

/// `GET /lashup/self`.
extension SelfView: JSONShape {
    public var json: JSONValue {
        .object([
            "name": .string(name), "state": .string(state.rawValue),
            "neighbours": .integer(Int64(neighbours)), "contacts": .integer(Int64(contacts)),
            "reachable_members": .integer(Int64(reachableMembers)),
        ])
    }

    public init(json: JSONValue) throws(ShapeError) {
        let fields = try ShapeReader(json, "self")
        let stateText = try fields.string("state")
        guard let state = State(rawValue: stateText) else { throw ShapeError("self.state \"\(stateText)\" is not alone, joining or cluster") }
        self.init(
            name: try fields.string("name"), state: state, neighbours: Int(clamping: try fields.integer("neighbours")),
            contacts: Int(clamping: try fields.integer("contacts")), reachableMembers: Int(clamping: try fields.integer("reachable_members"))
        )
    }
}

/// `GET /lashup/split`.
extension SplitView: JSONShape {
    public var json: JSONValue {
        .object([
            "split": .bool(split),
            "since_ms_ago": sinceMillisecondsAgo.map(JSONValue.integer) ?? .null,
            "unreachable_contacts": .array(unreachableContacts.map(JSONValue.string)),
            "unreachable_linked_members": .array(unreachableLinkedMembers.map(JSONValue.string)),
            "unreachable_members": .integer(Int64(unreachableMembers)),
            "episodes": .integer(Int64(episodes)),
        ])
    }

    public init(json: JSONValue) throws(ShapeError) {
        let fields = try ShapeReader(json, "split")
        self.init(
            split: try fields.bool("split"), sinceMillisecondsAgo: try fields.optionalInteger("since_ms_ago"),
            unreachableContacts: try fields.strings("unreachable_contacts"), unreachableLinkedMembers: try fields.strings("unreachable_linked_members"),
            unreachableMembers: Int(clamping: try fields.integer("unreachable_members")), episodes: Int(clamping: try fields.integer("episodes"))
        )
    }
}

/// `GET /lashup/tree`: the root, and one entry per node.
public struct TreeResponse: JSONShape, Sendable, Equatable {
    public var root: String
    public var nodes: [TreeEntry]

    public init(root: String, nodes: [TreeEntry]) {
        self.root = root
        self.nodes = nodes
    }

    public var json: JSONValue {
        .object([
            "root": .string(root),
            "nodes": .array(nodes.map { entry in
                .object(["name": .string(entry.name), "parent": entry.parent.map(JSONValue.string) ?? .null, "distance": entry.distance.map { .integer(Int64($0)) } ?? .null])
            }),
        ])
    }

    public init(json: JSONValue) throws(ShapeError) {
        let fields = try ShapeReader(json, "tree")
        root = try fields.string("root")
        nodes = []
        for item in try fields.array("nodes") {
            let entry = try ShapeReader(item, "tree node")
            nodes.append(TreeEntry(name: try entry.string("name"), parent: try entry.optionalString("parent"), distance: try entry.optionalInteger("distance").map { Int(clamping: $0) }))
        }
    }
}

/// Reads one JSON object's fields, each error naming the object and the field.
struct ShapeReader {
    let fields: [String: JSONValue]
    let what: String

    init(_ value: JSONValue, _ what: String) throws(ShapeError) {
        guard case let .object(fields) = value else { throw ShapeError("\(what) is not a JSON object") }
        self.fields = fields
        self.what = what
    }

    func field(_ name: String) throws(ShapeError) -> JSONValue {
        guard let value = fields[name] else { throw ShapeError("\(what).\(name) is missing") }
        return value
    }

    func string(_ name: String) throws(ShapeError) -> String {
        guard case let .string(text) = try field(name) else { throw ShapeError("\(what).\(name) is not a string") }
        return text
    }

    func optionalString(_ name: String) throws(ShapeError) -> String? {
        if fields[name] == nil || fields[name] == .null { return nil }
        return try string(name)
    }

    func integer(_ name: String) throws(ShapeError) -> Int64 {
        guard case let .integer(number) = try field(name) else { throw ShapeError("\(what).\(name) is not an integer") }
        return number
    }

    func optionalInteger(_ name: String) throws(ShapeError) -> Int64? {
        if fields[name] == nil || fields[name] == .null { return nil }
        return try integer(name)
    }

    func bool(_ name: String) throws(ShapeError) -> Bool {
        guard case let .bool(flag) = try field(name) else { throw ShapeError("\(what).\(name) is not a boolean") }
        return flag
    }

    func array(_ name: String) throws(ShapeError) -> [JSONValue] {
        guard case let .array(items) = try field(name) else { throw ShapeError("\(what).\(name) is not an array") }
        return items
    }

    func strings(_ name: String) throws(ShapeError) -> [String] {
        var result: [String] = []
        for item in try array(name) {
            guard case let .string(text) = item else { throw ShapeError("\(what).\(name) holds a non-string") }
            result.append(text)
        }
        return result
    }
}
