/// `overview.js`: the cluster at a glance from this agent — anything unhealthy first, with why;
/// then counts of members, store, DNS, VIPs and overlay hosts.
enum DashboardOverview {
    static let script = #"""
import { api, metricsText, on, state, el, debounce } from "/ui/live.js";
import { parseMetrics, total } from "/ui/metrics.js";

export async function mount(main, params, context) {
  const problems = el("ul", { className: "problems", "aria-label": "Problems" });
  const cards = el("div", { className: "cards" });
  main.append(el("h2", {}, "Health"), problems, el("h2", {}, "Cluster"), cards);

  async function draw() {
    const issues = [];
    const members = state.members;
    const unreachable = members.filter((m) => !m.reachable);
    const leaving = members.filter((m) => m.leaving);
    for (const member of unreachable) issues.push(`${member.name} (${member.address}) is unreachable from this agent`);
    let self = null, split = null, records = [], vips = [], overlays = [], metrics = new Map();
    try { self = await api("/lashup/self"); } catch (error) { issues.push("this agent does not answer: " + error.message); }
    try { split = await api("/lashup/split"); } catch {}
    if (split && split.split) issues.push(`the overlay is split: ${split.unreachable_members} members unreachable, unreachable contacts ${split.unreachable_contacts.join(", ") || "none"}`);
    // Alone without contacts is a one-node cluster by choice; joining means contacts do not answer.
    if (self && self.state === "joining") issues.push(`this agent is still joining: no neighbour among its ${self.contacts} contacts answers`);
    try { metrics = parseMetrics(await metricsText()); } catch {}
    if (context.features.dns) { try { records = await api("/v1/records"); } catch {} }
    if (context.features.lb) { try { vips = await api("/v1/vips"); } catch {} }
    if (context.features.overlays) { try { overlays = await api("/v1/overlays"); } catch {} }
    for (const vip of vips) {
      const reachable = vip.backend.filter((b) => b.reachable);
      if (vip.backend.length > 0 && reachable.length === 0) issues.push(`VIP ${vip.vip}: no backend is reachable (failing open to all ${vip.backend.length})`);
    }
    for (const overlay of overlays) {
      if (overlay.this_host && overlay.this_host.state !== "settled") issues.push(`overlay ${overlay.name}: this host is ${overlay.this_host.state}${overlay.this_host.waiting_for ? " (waiting for " + overlay.this_host.waiting_for + ")" : ""}`);
    }
    const failures = total(metrics, "lashup_store_update_failures_total") + total(metrics, "lashup_transport_frames_dropped_total");
    if (total(metrics, "lashup_inbox_dropped_total") > 0) issues.push(`the inbox dropped ${total(metrics, "lashup_inbox_dropped_total")} messages (overloaded)`);
    problems.replaceChildren(...(issues.length ? issues.map((text) => el("li", {}, text)) : [el("li", { className: "ok" }, "Nothing unhealthy seen from this agent.")]));

    const zones = new Set(records.map((r) => r.name.split(".").slice(-3).join(".")));
    const card = (value, label, id) => el("div", { className: "card", id }, el("div", { className: "value" }, String(value)), el("div", { className: "label" }, label));
    cards.replaceChildren(
      card(members.length, "members known", "card-members"),
      card(members.filter((m) => m.reachable).length, "reachable", "card-reachable"),
      card(unreachable.length, "unreachable", "card-unreachable"),
      card(leaving.length, "leaving"),
      card(self ? self.neighbours : "–", "this agent's neighbours"),
      card(total(metrics, "lashup_store_keys"), "store keys"),
      card(total(metrics, "lashup_antientropy_sessions_total"), "anti-entropy sessions"),
      card(total(metrics, "lashup_antientropy_keys_repaired_total"), "keys repaired by anti-entropy"),
      card(context.features.dns ? records.length : "off", "DNS records" + (context.features.dns ? ` in ${zones.size} zones` : "")),
      card(context.features.lb ? vips.length : "off", "VIPs"),
      card(context.features.overlays ? overlays.reduce((n, o) => n + o.hosts.length, 0) : "off", "overlay hosts"),
      card(failures, "store failures and dropped frames"),
    );
  }
  const redraw = debounce(draw, 300);
  const offMembers = on("members", redraw);
  const offChange = on("change", redraw);
  await draw();
  return () => { offMembers(); offChange(); };
}
"""#
}
