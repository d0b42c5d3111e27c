/// `live.js`: the API helper and the two live streams every page shares — the member table
/// (`/lashup/members/stream`) and every store change (`/lashup/watch`, resumed with
/// Last-Event-ID by the browser) — plus the connection badge: live, stale (reconnecting) or
/// disconnected.
enum DashboardLive {
    static let script = #"""
const token = (() => {
  const fromURL = new URLSearchParams(location.search).get("token");
  if (fromURL) sessionStorage.setItem("lashup-token", fromURL);
  return sessionStorage.getItem("lashup-token");
})();

function withToken(path) {
  if (!token) return path;
  return path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
}

/** GET a JSON document from the agent; errors carry the agent's message. */
export async function api(path) {
  const response = await fetch(path, { headers: token ? { Authorization: "Bearer " + token } : {} });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  if (!response.ok) throw new Error((body && body.error) || ("HTTP " + response.status));
  return body;
}

/** GET the agent's Prometheus text. */
export async function metricsText() {
  const response = await fetch("/metrics", { headers: token ? { Authorization: "Bearer " + token } : {} });
  if (!response.ok) throw new Error("HTTP " + response.status);
  return response.text();
}

const listeners = { members: new Set(), change: new Set(), status: new Set() };
export const state = { members: [], status: "connecting", lastEvent: 0, changes: [] };
/** Most recent store changes kept for the Store page's watch. */
const maximumChanges = 200;

export function on(kind, callback) {
  listeners[kind].add(callback);
  return () => listeners[kind].delete(callback);
}

function emit(kind, value) {
  for (const callback of listeners[kind]) {
    try { callback(value); } catch (error) { reportError(error); }
  }
}

function reportError(error) {
  const main = document.getElementById("main");
  if (main) {
    const note = document.createElement("p");
    note.className = "notice";
    note.textContent = "This page failed to draw: " + error.message;
    main.append(note);
  }
}

function setStatus(status) {
  if (state.status === status) return;
  state.status = status;
  const badge = document.getElementById("connection");
  badge.textContent = status === "live" ? "live" : status === "stale" ? "reconnecting… (data may be stale)" : status === "disconnected" ? "disconnected" : "connecting…";
  badge.className = "badge " + (status === "live" ? "live" : status === "disconnected" ? "down" : "stale");
  emit("status", status);
}

let membersSource = null, watchSource = null, downSince = null;

function openMembers() {
  membersSource = new EventSource(withToken("/lashup/members/stream"));
  membersSource.addEventListener("members", (event) => {
    state.members = JSON.parse(event.data);
    state.lastEvent = Date.now();
    downSince = null;
    setStatus("live");
    emit("members", state.members);
  });
  membersSource.onopen = () => { downSince = null; setStatus("live"); };
  membersSource.onerror = () => {
    // The browser retries by itself; after a few seconds without the agent, say so plainly.
    downSince = downSince || Date.now();
    setStatus(Date.now() - downSince > 2000 || membersSource.readyState === EventSource.CLOSED ? "disconnected" : "stale");
    if (membersSource.readyState === EventSource.CLOSED) { membersSource.close(); setTimeout(openMembers, 2000); }
  };
}

function openWatch() {
  // Every key, live; the browser resends the last event id when it reconnects, so no change
  // is missed or repeated.
  watchSource = new EventSource(withToken("/lashup/watch?pattern="));
  watchSource.addEventListener("change", (event) => {
    const change = JSON.parse(event.data);
    change.at = Date.now();
    change.index = event.lastEventId;
    state.changes.unshift(change);
    if (state.changes.length > maximumChanges) state.changes.length = maximumChanges;
    emit("change", change);
  });
  watchSource.addEventListener("reset", () => emit("change", { key: "", reset: true }));
  watchSource.onerror = () => {
    if (watchSource.readyState === EventSource.CLOSED) { watchSource.close(); setTimeout(openWatch, 2000); }
  };
}

// A stream can stall without an error (a paused agent): the member stream sends its table on
// every change and a heartbeat comment every 15 s, so silence past that means stale.
setInterval(() => {
  if (state.status === "live" && Date.now() - state.lastEvent > 35000) {
    api("/lashup/self").then(() => { state.lastEvent = Date.now(); }).catch(() => setStatus("disconnected"));
  }
  if (state.status === "stale" && downSince && Date.now() - downSince > 2000) setStatus("disconnected");
}, 1000);

export function start() {
  openMembers();
  openWatch();
}

/** Calls `callback` at most once per `wait` ms, after the last call. */
export function debounce(callback, wait) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => callback(...args), wait); };
}

/** Creates an element: el("td", {className: "x"}, "text", child…). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "className") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A sortable, filterable table: columns [{key, label, render?}], rows of objects. */
export function table(columns, rows, options = {}) {
  let sortKey = options.sortKey || columns[0].key, ascending = true;
  const body = el("tbody");
  const head = el("tr", {}, columns.map((column) => el("th", { scope: "col" },
    el("button", { type: "button", onclick: () => { ascending = sortKey === column.key ? !ascending : true; sortKey = column.key; draw(); } }, column.label))));
  const wrapper = el("table", { className: options.className || "" }, el("thead", {}, head), body);
  function value(row, key) { const v = row[key]; return v === null || v === undefined ? "" : v; }
  function draw() {
    const filter = (options.filter ? options.filter() : "").toLowerCase();
    const shown = rows.filter((row) => !filter || columns.some((c) => String(value(row, c.key)).toLowerCase().includes(filter)));
    shown.sort((a, b) => {
      const x = value(a, sortKey), y = value(b, sortKey);
      const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
      return ascending ? order : -order;
    });
    body.replaceChildren(...shown.map((row) => {
      const tr = el("tr", { className: options.highlight && options.highlight(row) ? "highlight" : "" },
        columns.map((c) => el("td", {}, c.render ? c.render(row) : String(value(row, c.key)))));
      if (options.rowId) tr.id = options.rowId(row);
      return tr;
    }));
  }
  draw();
  wrapper.redraw = (newRows) => { if (newRows) rows = newRows; draw(); };
  return wrapper;
}

/** Changes this page's parameters without leaving it (a deep link to the selection). */
export function setParams(params) {
  const name = (location.hash.replace(/^#\/?/, "") || "overview").split("?")[0];
  const query = new URLSearchParams(params).toString();
  history.replaceState(null, "", "#/" + name + (query ? "?" + query : ""));
}

export function yesNo(flag, yes = "yes", no = "no") {
  return el("span", { className: flag ? "yes" : "no" }, flag ? yes : no);
}
"""#
}
