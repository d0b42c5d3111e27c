/// `services.js`: VIPs with their backends (agent, reachable, weight, measured latency), DNS
/// records by zone with search, overlay allocations, and tasks per source — each section
/// refreshed when its part of the store changes; "not enabled on this agent" when it is off.
enum DashboardServices {
    static let script = #"""
import { api, on, el, table, yesNo, debounce, setParams } from "/ui/live.js";

export async function mount(main, params, context) {
  const search = el("input", { type: "search", placeholder: "search names, VIPs, backends", "aria-label": "Search services", value: params.get("q") || "" });
  const vipSection = el("section", { id: "vips" }), dnsSection = el("section", { id: "dns" });
  const overlaySection = el("section", { id: "overlays" }), taskSection = el("section", { id: "tasks" });
  main.append(el("h2", {}, "Services"), el("div", { className: "toolbar" }, search), vipSection, dnsSection, overlaySection, taskSection);
  const selectedVIP = params.get("vip");
  const matches = (text) => !search.value || text.toLowerCase().includes(search.value.toLowerCase());
  const off = (section, title, why) => section.replaceChildren(el("h2", {}, title), el("p", { className: "notice" }, why));

  async function vips() {
    if (!context.features.lb) return off(vipSection, "VIPs", "The load balancer is not enabled on this agent.");
    let list = [];
    try { list = await api("/v1/vips"); } catch (error) { return off(vipSection, "VIPs", "Cannot read VIPs: " + error.message); }
    const rows = [];
    for (const vip of list) {
      for (const backend of vip.backend) {
        rows.push({ vip: vip.vip, protocol: vip.protocol, addresses: (vip.addresses || []).join(", "), agent: backend.agent,
          backend: (backend.ip.includes(":") ? `[${backend.ip}]` : backend.ip) + ":" + backend.port, reachable: backend.reachable,
          weight: backend.weight, effective: backend.effective_weight ?? "", latency: backend.latency_ms ?? "", used: backend.used });
      }
    }
    const shown = rows.filter((r) => matches(`${r.vip} ${r.addresses} ${r.backend} ${r.agent}`));
    vipSection.replaceChildren(el("h2", {}, `VIPs (${list.length})`), table([
      { key: "vip", label: "VIP", render: (r) => el("a", { href: `#/services?vip=${encodeURIComponent(r.vip)}` }, r.vip) },
      { key: "protocol", label: "Protocol" }, { key: "addresses", label: "Addresses" }, { key: "agent", label: "Agent" },
      { key: "backend", label: "Backend" }, { key: "reachable", label: "Reachable", render: (r) => yesNo(r.reachable) },
      { key: "weight", label: "Weight" }, { key: "effective", label: "Effective" }, { key: "latency", label: "Latency (ms)" },
      { key: "used", label: "Used", render: (r) => yesNo(r.used) },
    ], shown, { highlight: (r) => r.vip === selectedVIP, className: "vips" }));
  }

  async function dns() {
    if (!context.features.dns) return off(dnsSection, "DNS records", "DNS is not enabled on this agent.");
    let records = [];
    try { records = await api("/v1/records"); } catch (error) { return off(dnsSection, "DNS records", "Cannot read records: " + error.message); }
    const zoneOf = (name) => { const i = name.indexOf(".thisdcos.directory"); return i < 0 ? name.split(".").slice(-1)[0] : name.slice(name.lastIndexOf(".", i - 1) + 1); };
    const rows = records.map((r) => ({ zone: zoneOf(r.name), name: r.name, type: r.rtype, data: r.host })).filter((r) => matches(`${r.name} ${r.data}`));
    dnsSection.replaceChildren(el("h2", {}, `DNS records (${records.length})`), table([
      { key: "zone", label: "Zone" }, { key: "name", label: "Name" }, { key: "type", label: "Type" }, { key: "data", label: "Data" },
    ], rows, { sortKey: "zone", className: "records" }));
  }

  async function overlays() {
    if (!context.features.overlays) return off(overlaySection, "Overlay allocations", "No overlay is enabled on this agent.");
    let list = [];
    try { list = await api("/v1/overlays"); } catch (error) { return off(overlaySection, "Overlay allocations", "Cannot read overlays: " + error.message); }
    overlaySection.replaceChildren(el("h2", {}, "Overlay allocations"), ...list.map((overlay) => el("div", {},
      el("p", {}, `${overlay.name}: ${overlay.subnet} in /${overlay.host_prefix}s, VNI ${overlay.vni}; this host ${overlay.this_host.state}`),
      table([
        { key: "node", label: "Node" }, { key: "subnet", label: "Subnet" }, { key: "vtep_ip", label: "VTEP" }, { key: "agent_ip", label: "Agent IP" },
        { key: "settled", label: "Settled", render: (r) => yesNo(r.settled) }, { key: "reachable", label: "Reachable", render: (r) => yesNo(r.reachable) },
      ], overlay.hosts.filter((h) => matches(`${h.node} ${h.subnet} ${h.vtep_ip}`))))));
  }

  async function tasks() {
    if (!context.features.tasks) return off(taskSection, "Tasks", "Task sources are not enabled on this agent.");
    let list = [];
    try { list = await api("/v1/tasks?all=true"); } catch (error) { return off(taskSection, "Tasks", "Cannot read tasks: " + error.message); }
    const rows = list.map((t) => ({ source: t.source, node: t.node, name: t.name, framework: t.framework, agent_ip: t.agent_ip || "",
      addresses: (t.addresses || []).join(", "), state: t.state, health: t.health })).filter((r) => matches(`${r.name} ${r.framework} ${r.node} ${r.addresses}`));
    const counts = {};
    for (const task of list) counts[task.source] = (counts[task.source] || 0) + 1;
    taskSection.replaceChildren(el("h2", {}, `Tasks (${Object.entries(counts).map(([s, n]) => s + " " + n).join(", ") || "none"})`), table([
      { key: "source", label: "Source" }, { key: "node", label: "Node" }, { key: "name", label: "Name" }, { key: "framework", label: "Framework" },
      { key: "agent_ip", label: "Agent IP" }, { key: "addresses", label: "Addresses" }, { key: "state", label: "State" }, { key: "health", label: "Health" },
    ], rows, { className: "tasks" }));
  }

  const refresh = { vips: debounce(vips, 200), dns: debounce(dns, 200), overlays: debounce(overlays, 200), tasks: debounce(tasks, 200) };
  search.addEventListener("input", debounce(() => { setParams(search.value ? { q: search.value } : {}); vips(); dns(); overlays(); tasks(); }, 150));
  const offChange = on("change", (change) => {
    const key = change.key || "";
    if (change.reset || key.startsWith("l4lb/")) { refresh.vips(); refresh.dns(); }
    if (change.reset || key.startsWith("dns/")) refresh.dns();
    if (change.reset || key.startsWith("overlay/")) refresh.overlays();
    if (change.reset || key.startsWith("tasks/")) refresh.tasks();
  });
  // Reachability changes a backend's column; the kernel programming names a VIP in DNS only
  // after the store change, so DNS is also re-read shortly after.
  const offMembers = on("members", () => { refresh.vips(); refresh.overlays(); });
  const timer = setInterval(() => { refresh.dns(); refresh.vips(); }, 5000);
  await Promise.all([vips(), dns(), overlays(), tasks()]);
  return () => { offChange(); offMembers(); clearInterval(timer); };
}
"""#
}
