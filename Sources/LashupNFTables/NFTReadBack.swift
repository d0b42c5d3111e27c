import Foundation

/// Our table as the kernel holds it, from `nft -j list table`: the elements of each set and
/// map in the canonical text form `NFTRuleset` uses, and a fingerprint of everything else
/// (chains, rules, set and map declarations, without handles and counters), so a second
/// reading tells whether anyone changed the structure since.
struct NFTReadBack: Sendable, Equatable {
    var setElements: [String: Set<String>] = [:]
    var mapElements: [String: [String: String]] = [:]
    var fingerprint: String = ""

    /// Parses nft's JSON; nil when the output holds no such table.
    static func parse(_ json: String, table: String) throws(NFTablesError) -> NFTReadBack? {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        } catch {
            throw .unreadable("not JSON: \(error.localizedDescription)")
        }
        guard let top = object as? [String: Any], let items = top["nftables"] as? [[String: Any]] else {
            throw .unreadable("no \"nftables\" array")
        }
        var result = NFTReadBack()
        var found = false
        var structure: [Any] = []
        for item in items {
            if let entry = item["table"] as? [String: Any], entry["name"] as? String == table { found = true }
            if var set = item["set"] as? [String: Any] {
                guard let name = set["name"] as? String else { throw .unreadable("a set without a name") }
                result.setElements[name] = Set(try (set["elem"] as? [Any] ?? []).map(Self.text))
                set["elem"] = nil
                structure.append(["set": stripped(set)])
            } else if var map = item["map"] as? [String: Any] {
                guard let name = map["name"] as? String else { throw .unreadable("a map without a name") }
                var elements: [String: String] = [:]
                for entry in map["elem"] as? [Any] ?? [] {
                    guard let pair = entry as? [Any], pair.count == 2 else { throw .unreadable("map \(name) has an element that is not a key and a value") }
                    elements[try text(pair[0])] = try text(pair[1])
                }
                result.mapElements[name] = elements
                map["elem"] = nil
                structure.append(["map": stripped(map)])
            } else if let chain = item["chain"] {
                structure.append(["chain": stripped(chain)])
            } else if let rule = item["rule"] {
                structure.append(["rule": stripped(rule)])
            }
        }
        guard found else { return nil }
        do {
            let data = try JSONSerialization.data(withJSONObject: structure, options: [.sortedKeys])
            result.fingerprint = String(decoding: data, as: UTF8.self)
        } catch {
            throw .unreadable("\(error)")
        }
        return result
    }

    /// A JSON value without what changes by itself: handles, counters' figures.
    static func stripped(_ value: Any) -> Any {
        switch value {
        case let object as [String: Any]:
            var copy: [String: Any] = [:]
            for (key, inner) in object where !["handle", "packets", "bytes"].contains(key) { copy[key] = stripped(inner) }
            return copy
        case let array as [Any]:
            return array.map(stripped)
        default:
            return value
        }
    }

    /// An element or value as nft's text syntax writes it.
    static func text(_ value: Any) throws(NFTablesError) -> String {
        switch value {
        case let string as String:
            return string
        case let number as NSNumber:
            return number.stringValue
        case let object as [String: Any]:
            if let prefix = object["prefix"] as? [String: Any], let address = prefix["addr"], let length = prefix["len"] {
                return "\(try text(address))/\(try text(length))"
            }
            if let range = object["range"] as? [Any], range.count == 2 { return "\(try text(range[0]))-\(try text(range[1]))" }
            if let parts = object["concat"] as? [Any] {
                var texts: [String] = []
                for part in parts { texts.append(try text(part)) }
                return texts.joined(separator: " . ")
            }
            if let element = object["elem"] as? [String: Any], let inner = element["val"] { return try text(inner) }
            for verdict in ["jump", "goto"] {
                if let target = (object[verdict] as? [String: Any])?["target"] as? String { return "\(verdict) \(target)" }
            }
            for verdict in ["accept", "drop", "continue", "return"] where object.keys.contains(verdict) { return verdict }
            throw .unreadable("an element of an unknown form: \(object)")
        default:
            throw .unreadable("an element of an unknown form: \(value)")
        }
    }
}
