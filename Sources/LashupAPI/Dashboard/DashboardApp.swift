/// `app.js`: the hash router (`#/page?param=value`, so every view and selection is a deep
/// link) and the page lifecycle: one page mounted at a time, its live subscriptions removed
/// when it goes.
enum DashboardApp {
    static let script = #"""
import { api, start, state, on } from "/ui/live.js";
import * as overview from "/ui/overview.js";
import * as topology from "/ui/topology.js";
import * as members from "/ui/members.js";
import * as services from "/ui/services.js";
import * as store from "/ui/store.js";
import * as metrics from "/ui/metrics.js";

const pages = { overview, topology, members, services, store, metrics };
let unmount = null;
export const context = { features: { dns: false, lb: false, overlays: false, tasks: false }, self: null };

function parseHash() {
  const hash = location.hash.replace(/^#\/?/, "") || "overview";
  const [name, query] = hash.split("?");
  return { name: pages[name] ? name : "overview", params: new URLSearchParams(query || "") };
}

async function route() {
  const { name, params } = parseHash();
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.page === name) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  if (unmount) { unmount(); unmount = null; }
  const main = document.getElementById("main");
  main.replaceChildren();
  main.dataset.page = name;
  unmount = await pages[name].mount(main, params, context) || null;
  document.title = "Lashup · " + name[0].toUpperCase() + name.slice(1);
}

async function boot() {
  try { context.features = await api("/lashup/features"); } catch { /* the badge says why */ }
  try {
    context.self = await api("/lashup/self");
    document.getElementById("node").textContent = "agent " + context.self.name;
  } catch { /* shown as disconnected */ }
  start();
  on("status", (status) => {
    if (status === "live" && !context.self) api("/lashup/self").then((self) => { context.self = self; document.getElementById("node").textContent = "agent " + self.name; }).catch(() => {});
  });
  window.addEventListener("hashchange", route);
  await route();
  window.lashupDashboard = { state, context, topology };
}

boot();
"""#
}
