import ArgumentParser
import LashupAPI
import LashupRuntime
import NIOHTTP1

/// `lashup overlay`: the VXLAN overlays' allocations, and releasing a dead host's subnet.
struct OverlayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlay",
        abstract: "List the overlays' subnet allocations; release a dead host's subnet.",
        discussion: """
            Every host claims a slot (a subnet, a VTEP address and MAC) through the store; a claim \
            is routed and handed to containers only once it has settled. A host's subnet is never \
            reused while it may still be alive: release it with `overlay release NODE` once the \
            host is gone for good (or let --overlay-reclaim-hours pass).
            """,
        subcommands: [List.self, Release.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every host's subnet, VTEP and MAC in each overlay, as this agent sees them.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let answer = try await options.client().json(.GET, "/v1/overlays")
                if options.json {
                    print(answer.text)
                    return
                }
                guard case let .array(overlays) = answer else { throw RuntimeError("unexpected answer from /v1/overlays") }
                for overlay in overlays {
                    let this = overlay["this_host"]
                    let waiting = this?["waiting_for"].map { " (waiting for \($0.cell))" } ?? ""
                    print("overlay \(overlay["name"]?.cell ?? "-"): \(overlay["subnet"]?.cell ?? "-") in /\(overlay["host_prefix"]?.cell ?? "-"), VTEPs \(overlay["vtep_subnet"]?.cell ?? "-"), VNI \(overlay["vni"]?.cell ?? "-"), MTU \(overlay["mtu"]?.cell ?? "-"); this host: \(this?["state"]?.cell ?? "-")\(waiting), \(this?["attachments"]?.cell ?? "0") attachment(s)")
                    guard case let .array(hosts)? = overlay["hosts"] else { continue }
                    let rows = hosts.map { host -> [String] in
                        let state: String
                        if host["released"] == .bool(true) { state = "released" } else if host["holds"] != .bool(true) { state = "lost conflict" } else { state = host["settled"] == .bool(true) ? "settled" : "claimed" }
                        return [host["node"]?.cell ?? "-", host["subnet"]?.cell ?? "-", host["vtep_ip"]?.cell ?? "-", host["vtep_mac"]?.cell ?? "-",
                                host["agent_ip"]?.cell ?? "-", state, host["reachable"] == .bool(true) ? "yes" : "no"]
                    }
                    printTable(["NODE", "SUBNET", "VTEP", "MAC", "AGENT IP", "STATE", "REACHABLE"], rows)
                }
            }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a host's subnet for reuse (the host is gone for good; if it returns, it claims anew).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The node whose subnet to release.") var node: String
        @Option(help: "The overlay (default: dcos).") var overlay: String = "dcos"

        func run() async throws {
            try await runClient { () throws(RuntimeError) in
                let answer = try await options.client().json(.POST, "/v1/overlays/\(overlay)/release/\(node)")
                if options.json { print(answer.text) } else { print("released \(node)'s slot \(answer["slot"]?.cell ?? "-") in overlay \(overlay)") }
            }
        }
    }
}
