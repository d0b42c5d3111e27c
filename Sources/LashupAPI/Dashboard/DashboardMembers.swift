/// `members.js`: every member as this agent sees it — reachability live from the member
/// stream, incarnation, distance, last heard, leaving, addresses — filtered and sorted;
/// `#/members?node=NAME` highlights one.
enum DashboardMembers {
    static let script = #"""
import { api, on, state, el, table, yesNo, debounce, setParams } from "/ui/live.js";

export async function mount(main, params) {
  const filter = el("input", { type: "search", placeholder: "filter", "aria-label": "Filter members", value: params.get("filter") || "" });
  const summary = el("span", { className: "muted", id: "members-summary" });
  let selected = params.get("node");
  let heard = new Map();
  const rows = () => state.members.map((m) => ({
    name: m.name, address: m.address, state: m.self ? "self" : m.leaving ? "leaving" : m.reachable ? "reachable" : "unreachable",
    reachable: m.reachable, incarnation: m.incarnation, distance: m.distance ?? "", leaving: m.leaving,
    last_heard: heard.has(m.name) ? heard.get(m.name) : "", private_ip: m.private_ip || "", public_ips: (m.public_ips || []).join(", "),
  }));
  const columns = [
    { key: "name", label: "Name", render: (r) => el("a", { href: `#/members?node=${encodeURIComponent(r.name)}`, onclick: () => { selected = r.name; } }, r.name) },
    { key: "state", label: "State", render: (r) => el("span", { className: r.reachable ? "yes" : "no", "data-member": r.name }, r.state) },
    { key: "address", label: "Address" },
    { key: "incarnation", label: "Incarnation" },
    { key: "distance", label: "Distance" },
    { key: "last_heard", label: "Last heard (ms ago)" },
    { key: "private_ip", label: "Private IP" },
    { key: "public_ips", label: "Public IPs" },
    { key: "leaving", label: "Leaving", render: (r) => r.leaving ? "yes" : "no" },
  ];
  const view = table(columns, rows(), { filter: () => filter.value, highlight: (r) => r.name === selected, rowId: (r) => "member-" + r.name, className: "members" });
  filter.addEventListener("input", () => { setParams(filter.value ? { filter: filter.value } : {}); view.redraw(); });
  main.append(el("h2", {}, "Members"), el("div", { className: "toolbar" }, filter, summary), view);

  function draw() {
    const all = state.members;
    summary.textContent = `${all.length} known, ${all.filter((m) => m.reachable).length} reachable, ${all.filter((m) => !m.reachable).length} unreachable`;
    view.redraw(rows());
  }
  async function refreshHeard() {
    try {
      const detail = await api("/lashup/members");
      heard = new Map(detail.map((m) => [m.name, m.last_heard_ms_ago ?? ""]));
      draw();
    } catch { /* the badge says the agent is gone */ }
  }
  const off = on("members", debounce(draw, 50));
  const timer = setInterval(refreshHeard, 2000);
  await refreshHeard();
  draw();
  if (selected) document.getElementById("member-" + selected)?.scrollIntoView({ block: "center" });
  return () => { off(); clearInterval(timer); };
}
"""#
}
