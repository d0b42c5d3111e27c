import ArgumentParser
import Foundation
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
        subcommands: [List.self, Release.self, InstallCNI.self]
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

    struct InstallCNI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install-cni",
            abstract: "Install the lashup-cni plugin and a conflist for an overlay, for podman or any CNI runtime.",
            discussion: "Copies lashup-cni (found next to this lashup executable unless --plugin is given) into --plugin-dir and writes <config-dir>/<overlay>.conflist; prints what it did."
        )
        @Option(help: "The overlay (default: dcos); the conflist's network name is the same.") var overlay: String = "dcos"
        @Option(help: "Where CNI runtimes look for plugins (default: /usr/lib/cni).") var pluginDir: String = "/usr/lib/cni"
        @Option(help: "Where CNI runtimes look for network configurations (default: /etc/cni/net.d).") var configDir: String = "/etc/cni/net.d"
        @Option(help: "The agent's CNI socket (default: /run/lashup/cni.sock).") var socket: String = "/run/lashup/cni.sock"
        @Option(help: "The plugin executable to install (default: lashup-cni next to this executable).") var plugin: String?

        func run() throws {
            let source = plugin ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("lashup-cni").path
            let files = FileManager.default
            guard files.isExecutableFile(atPath: source) else {
                throw ValidationError("no lashup-cni executable at \(source) (build it with swift build --product lashup-cni, or give --plugin)")
            }
            guard !overlay.isEmpty, overlay.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw ValidationError("--overlay \"\(overlay)\" must be letters, digits or '-'")
            }
            do {
                try files.createDirectory(atPath: pluginDir, withIntermediateDirectories: true)
                try files.createDirectory(atPath: configDir, withIntermediateDirectories: true)
                let target = (pluginDir as NSString).appendingPathComponent("lashup-cni")
                // Copied beside, then renamed over: a runtime running the old plugin meanwhile is unaffected.
                let staging = target + ".new"
                try? files.removeItem(atPath: staging)
                try files.copyItem(atPath: source, toPath: staging)
                chmod(staging, 0o755)
                guard rename(staging, target) == 0 else { throw ValidationError("cannot install \(target): \(String(cString: strerror(errno)))") }
                let conflist = JSONValue.object([
                    "cniVersion": .string("1.0.0"), "name": .string(overlay),
                    "plugins": .array([.object(["type": .string("lashup-cni"), "overlay": .string(overlay), "socket": .string(socket)])]),
                ])
                let path = (configDir as NSString).appendingPathComponent("\(overlay).conflist")
                try Data((conflist.text + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                print("installed \(target) and \(path) (network \(overlay), agent socket \(socket))")
            } catch let error as ValidationError {
                throw error
            } catch {
                throw ValidationError("installing the CNI plugin failed: \(error)")
            }
        }
    }
}
