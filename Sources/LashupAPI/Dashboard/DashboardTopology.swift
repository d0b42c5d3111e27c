/// `topology.js`: the overlay graph — every member, the active-view links each advertises,
/// coloured by reachability from this agent — laid out as the shortest-path (BFS) tree from
/// this agent or any chosen root (rings by distance), unreachable members on an outer ring of
/// their own, so a partition shows at a glance. `#/topology?root=NAME` links to a root.
enum DashboardTopology {
    static let script = #"""
import { api, on, el, debounce, setParams } from "/ui/live.js";

const colors = { self: "#0b4f9c", reachable: "#0b6b2b", unreachable: "#b00020", leaving: "#8a5300" };

/** Positions: a radial tree — each node gets an angular share proportional to its subtree's
 * leaves, its children on the next ring — and the unreachable on an outer ring. O(n). */
export function layout(data, size) {
  const byName = new Map(data.nodes.map((n) => [n.name, n]));
  const children = new Map();
  for (const node of data.nodes) {
    if (node.parent && byName.has(node.parent) && node.name !== data.root) {
      if (!children.has(node.parent)) children.set(node.parent, []);
      children.get(node.parent).push(node.name);
    }
  }
  for (const list of children.values()) list.sort();
  const leaves = new Map();
  const order = [];
  const stack = [data.root];
  const seen = new Set();
  while (stack.length) {
    const name = stack.pop();
    if (seen.has(name) || !byName.has(name)) continue;
    seen.add(name);
    order.push(name);
    for (const child of children.get(name) || []) stack.push(child);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const name = order[i];
    const kids = (children.get(name) || []).filter((k) => seen.has(k));
    leaves.set(name, kids.length ? kids.reduce((sum, k) => sum + leaves.get(k), 0) : 1);
  }
  const depth = Math.max(1, ...order.map((n) => byName.get(n).tree_distance ?? 0));
  const unreachable = data.nodes.filter((n) => !seen.has(n.name));
  const center = size / 2, ring = (size / 2 - 30) / (depth + (unreachable.length ? 1.5 : 0.5));
  const positions = new Map();
  const span = new Map([[data.root, [0, 2 * Math.PI]]]);
  for (const name of order) {
    const [start, end] = span.get(name);
    const level = byName.get(name).tree_distance ?? 0;
    const angle = (start + end) / 2, radius = level * ring;
    positions.set(name, [center + radius * Math.cos(angle), center + radius * Math.sin(angle)]);
    let cursor = start;
    for (const child of (children.get(name) || []).filter((k) => seen.has(k))) {
      const share = ((end - start) * leaves.get(child)) / leaves.get(name);
      span.set(child, [cursor, cursor + share]);
      cursor += share;
    }
  }
  unreachable.sort((a, b) => a.name.localeCompare(b.name)).forEach((node, index) => {
    const angle = (2 * Math.PI * index) / unreachable.length, radius = (depth + 1) * ring;
    positions.set(node.name, [center + radius * Math.cos(angle), center + radius * Math.sin(angle)]);
  });
  return positions;
}

function escape(text) { return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); }

/** Draws `data` into `svg`; returns how many links it drew. */
export function drawGraph(svg, data) {
  const size = 1000;
  const positions = layout(data, size);
  const few = data.nodes.length <= 150;
  const parts = [];
  const drawn = new Set();
  let links = 0;
  for (const node of data.nodes) {
    const from = positions.get(node.name);
    for (const other of node.links || []) {
      const to = positions.get(other);
      const pair = node.name < other ? node.name + "\u0000" + other : other + "\u0000" + node.name;
      if (!from || !to || drawn.has(pair)) continue;
      drawn.add(pair);
      links++;
      parts.push(`<line x1="${from[0].toFixed(1)}" y1="${from[1].toFixed(1)}" x2="${to[0].toFixed(1)}" y2="${to[1].toFixed(1)}" stroke="#b9c2cf" stroke-width="1"/>`);
    }
  }
  for (const node of data.nodes) {
    const parent = node.parent && positions.get(node.parent), here = positions.get(node.name);
    if (parent && here) parts.push(`<line x1="${parent[0].toFixed(1)}" y1="${parent[1].toFixed(1)}" x2="${here[0].toFixed(1)}" y2="${here[1].toFixed(1)}" stroke="#0b4f9c" stroke-width="1.6"/>`);
  }
  for (const node of data.nodes) {
    const [x, y] = positions.get(node.name);
    const kind = node.self ? "self" : node.leaving ? "leaving" : node.reachable ? "reachable" : "unreachable";
    const r = node.name === data.root ? 9 : few ? 7 : 4;
    const label = `${node.name} (${kind}${node.distance !== null && node.distance !== undefined ? ", distance " + node.distance : ""}, ${(node.links || []).length} links)`;
    parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${colors[kind]}" data-node="${escape(node.name)}" data-state="${kind}"${few ? ' tabindex="0"' : ""} role="button" aria-label="${escape(label)}"><title>${escape(label)}</title></circle>`);
    if (few) parts.push(`<text x="${(x + 10).toFixed(1)}" y="${(y + 4).toFixed(1)}">${escape(node.name)}</text>`);
  }
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.innerHTML = parts.join("");
  return links;
}

let frozen = false;

/** Draws synthetic or exported data in place of the live graph (which then stops following
 * the cluster until the page is left) and returns the milliseconds layout, DOM building and
 * the browser's own layout took: for measuring large clusters in a real browser. */
export function measure(data) {
  let svg = document.querySelector("svg.topology");
  if (!svg) {
    svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "topology");
    document.getElementById("main").append(svg);
  }
  frozen = true;
  const started = performance.now();
  const links = drawGraph(svg, data);
  svg.getBoundingClientRect();
  const elapsed = performance.now() - started;
  const summary = document.getElementById("topology-summary");
  if (summary) summary.textContent = `${data.nodes.length} members (supplied data), ${links} links, ${data.nodes.filter((n) => !n.reachable).length} unreachable; drawn in ${elapsed.toFixed(0)} ms`;
  return elapsed;
}

export async function mount(main, params, context) {
  let root = params.get("root") || "";
  const select = el("select", { "aria-label": "Tree root" });
  const summary = el("span", { className: "muted", id: "topology-summary" });
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "topology");
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", "Overlay graph");
  const legend = el("p", { className: "legend" }, Object.entries(colors).map(([name, color]) => el("span", {}, el("span", { className: "dot", style: `background:${color}` }), name)),
    el("span", {}, "thick blue lines: shortest-path tree from the root; grey: active-view links"));
  main.append(el("h2", {}, "Topology"), el("div", { className: "toolbar" }, el("label", {}, "Tree from ", select), summary), legend, svg);

  function choose(name) {
    root = name;
    setParams(root ? { root } : {});
    refresh();
  }
  select.addEventListener("change", () => choose(select.value));
  svg.addEventListener("click", (event) => { const name = event.target.getAttribute && event.target.getAttribute("data-node"); if (name) choose(name); });
  svg.addEventListener("keydown", (event) => {
    const name = event.target.getAttribute && event.target.getAttribute("data-node");
    if (name && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); choose(name); }
  });

  async function refresh() {
    if (frozen) return;
    let data;
    try { data = await api("/lashup/topology" + (root ? "?root=" + encodeURIComponent(root) : "")); } catch (error) { summary.textContent = "Cannot read the topology: " + error.message; return; }
    const started = performance.now();
    const links = drawGraph(svg, data);
    const names = data.nodes.map((n) => n.name).sort();
    select.replaceChildren(...names.map((name) => el("option", { value: name, selected: name === data.root }, name + (data.nodes.find((n) => n.name === name).self ? " (this agent)" : ""))));
    const unreachable = data.nodes.filter((n) => !n.reachable).length;
    summary.textContent = `${data.nodes.length} members, ${links} links, ${unreachable} unreachable; drawn in ${(performance.now() - started).toFixed(0)} ms`;
  }
  const later = debounce(refresh, 300);
  const off = on("members", later);
  frozen = false;
  await refresh();
  return () => { off(); frozen = false; };
}
"""#
}
