/// `store.js`: the key browser — keys by prefix, one key's value rendered by its CRDT type
/// (sets as lists, counters as numbers, flags as on/off, registers as text, maps nested) — and a
/// live watch of changes under the prefix. `#/store?prefix=P&key=K` links to both.
enum DashboardStore {
    static let script = #"""
import { api, on, state, el, debounce, setParams } from "/ui/live.js";

function render(value) {
  if (Array.isArray(value)) return el("ul", {}, value.length ? value.map((v) => el("li", {}, render(v))) : [el("li", { className: "muted" }, "(empty set)")]);
  if (value !== null && typeof value === "object") {
    return el("table", {}, el("tbody", {}, Object.entries(value).map(([name, field]) => el("tr", {}, el("th", { scope: "row" }, name), el("td", {}, render(field))))));
  }
  if (typeof value === "boolean") return el("span", { className: value ? "yes" : "no" }, value ? "enabled" : "disabled");
  return el("code", {}, value === null ? "null" : String(value));
}

export async function mount(main, params) {
  const prefix = el("input", { type: "search", placeholder: "prefix, e.g. dns/zones", "aria-label": "Key prefix", value: params.get("prefix") || "" });
  const keyList = el("ul", { id: "store-keys" });
  const valueView = el("div", { id: "store-value" }, el("p", { className: "muted" }, "Choose a key."));
  const watchList = el("ol", { id: "store-watch", "aria-live": "polite" });
  let selected = params.get("key");
  main.append(el("h2", {}, "Store"), el("div", { className: "toolbar" }, el("label", {}, "Prefix ", prefix)),
    el("div", { className: "split" }, el("div", {}, el("h2", {}, "Keys"), keyList), el("div", {}, el("h2", {}, "Value"), valueView)),
    el("h2", {}, "Live watch"), el("p", { className: "muted" }, "Every change under the prefix, newest first, as it arrives."), watchList);

  const link = () => setParams(Object.fromEntries(Object.entries({ prefix: prefix.value, key: selected }).filter(([, v]) => v)));
  async function listKeys() {
    try {
      const listing = await api("/lashup/kv?limit=500&prefix=" + encodeURIComponent(prefix.value));
      keyList.replaceChildren(...listing.keys.map((key) => el("li", {}, el("a", { href: "#", "data-key": key, onclick: (event) => { event.preventDefault(); selected = key; link(); showValue(); } }, key))),
        ...(listing.truncated ? [el("li", { className: "muted" }, "… more: narrow the prefix")] : []));
    } catch (error) {
      keyList.replaceChildren(el("li", { className: "no" }, "Cannot list: " + error.message));
    }
  }
  async function showValue() {
    if (!selected) return;
    try {
      const answer = await api("/lashup/kv/" + selected.split("/").map(encodeURIComponent).join("/"));
      valueView.replaceChildren(el("p", {}, el("strong", {}, selected)), render(answer.value));
    } catch (error) {
      valueView.replaceChildren(el("p", {}, el("strong", {}, selected)), el("p", { className: "muted" }, error.message));
    }
  }
  function drawWatch() {
    const shown = state.changes.filter((c) => c.key && c.key.startsWith(prefix.value)).slice(0, 50);
    watchList.replaceChildren(...shown.map((c) => el("li", { "data-key": c.key },
      el("code", {}, c.key), " ", el("span", { className: "muted" }, new Date(c.at).toLocaleTimeString() + " #" + c.index + (c.value === null ? " deleted" : "")))));
  }
  prefix.addEventListener("input", debounce(() => { link(); listKeys(); drawWatch(); }, 200));
  const relist = debounce(listKeys, 250);
  const off = on("change", (change) => {
    drawWatch();
    if (change.key && change.key.startsWith(prefix.value)) relist();
    if (change.key === selected) showValue();
  });
  await listKeys();
  await showValue();
  drawWatch();
  return off;
}
"""#
}
