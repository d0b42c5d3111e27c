import LashupNFTables

/// The elements this process has put in the load balancer's table, per service, with how
/// many services use each (hairpin pairs are shared): from it, a change of services becomes
/// the element additions and deletions of the services that changed, without re-rendering or
/// diffing the whole table, so one backend change costs the same at ten VIPs or a hundred
/// thousand.
struct ProgrammedElements {
    let localAgent: String?
    private(set) var services: [ServiceKey: [Backend]]
    private var users: [LBElement: Int]

    /// The elements `services` put in the table (as a full write or a verified apply left it).
    init(_ services: [ServiceKey: [Backend]], localAgent: String?) {
        self.localAgent = localAgent
        self.services = services
        users = [:]
        for (service, backends) in services {
            for element in LBRuleset.elements(of: service, backends, localAgent: localAgent) { users[element, default: 0] += 1 }
        }
    }

    /// Moves to `desired`, returning the element changes that take the table there.
    mutating func changes(to desired: [ServiceKey: [Backend]]) -> NFTElementChanges {
        var added: Set<LBElement> = [], removed: Set<LBElement> = []
        func release(_ element: LBElement) {
            let count = (users[element] ?? 0) - 1
            users[element] = count > 0 ? count : nil
            // An element added earlier in this same change needs no net change.
            if count <= 0, added.remove(element) == nil { removed.insert(element) }
        }
        func use(_ element: LBElement) {
            let count = (users[element] ?? 0) + 1
            users[element] = count
            if count == 1, removed.remove(element) == nil { added.insert(element) }
        }
        for (service, backends) in services where desired[service] != backends {
            for element in LBRuleset.elements(of: service, backends, localAgent: localAgent) { release(element) }
        }
        for (service, backends) in desired where services[service] != backends {
            for element in LBRuleset.elements(of: service, backends, localAgent: localAgent) { use(element) }
        }
        services = desired
        var changes = NFTElementChanges()
        for element in removed { changes.deletions[element.container, default: []].append(element.key) }
        for element in added {
            changes.additions[element.container, default: []].append(element.value.map { "\(element.key) : \($0)" } ?? element.key)
        }
        return changes
    }
}
