/// `metrics.js`: a few live charts from the agent's own counters (read from `/metrics` every
/// 2 s; rates from successive reads), plus the Prometheus text parser the overview shares.
enum DashboardMetrics {
    static let script = #"""
import { metricsText, el } from "/ui/live.js";

/** Parses Prometheus text into name → [{labels, value}]. */
export function parseMetrics(text) {
  const metrics = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    for (const pair of (match[3] || "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    const value = Number(match[4]);
    if (!metrics.has(match[1])) metrics.set(match[1], []);
    metrics.get(match[1]).push({ labels, value });
  }
  return metrics;
}

/** The sum of every series of `name` (0 when absent). */
export function total(metrics, name, filter = () => true) {
  return (metrics.get(name) || []).filter((s) => filter(s.labels)).reduce((sum, s) => sum + (Number.isFinite(s.value) ? s.value : 0), 0);
}

const charts = [
  { id: "messages", title: "Messages sent and received /s", series: [["sent", (m) => total(m, "lashup_transport_frames_sent_total"), "rate"], ["received", (m) => total(m, "lashup_transport_frames_received_total"), "rate"]] },
  { id: "updates", title: "Store updates /s (local and replicated)", series: [["local", (m) => total(m, "lashup_store_updates_total"), "rate"], ["replicated", (m) => total(m, "lashup_store_deltas_applied_total"), "rate"]] },
  { id: "dns", title: "DNS queries /s and cache hit rate (%)", series: [["queries", (m) => total(m, "lashup_dns_queries_total"), "rate"],
      ["hit %", (m) => { const h = total(m, "lashup_dns_cache_hits_total"), x = total(m, "lashup_dns_cache_misses_total"); return [h, h + x]; }, "ratio"]] },
  { id: "lb", title: "LB programming latency (ms, mean per interval)", series: [["latency", (m) => [total(m, "lashup_lb_programming_duration_seconds_sum") * 1000, total(m, "lashup_lb_programming_duration_seconds_count")], "ratio-rate"]] },
  { id: "repairs", title: "Anti-entropy sessions and keys repaired /s", series: [["sessions", (m) => total(m, "lashup_antientropy_sessions_total"), "rate"], ["repaired", (m) => total(m, "lashup_antientropy_keys_repaired_total"), "rate"]] },
];
const colors = ["#0b4f9c", "#b00020", "#0b6b2b"];
const points = 60;

function draw(svg, title, lines) {
  const width = 340, height = 150, pad = 24;
  const all = lines.flatMap((l) => l.values.filter((v) => v !== null));
  const top = Math.max(1, ...all) * 1.1;
  const parts = [`<text x="6" y="14">${top.toFixed(top < 10 ? 2 : 0)}</text><text x="6" y="${height - 6}">0</text>`];
  lines.forEach((line, index) => {
    const coords = line.values.map((v, i) => v === null ? null : `${pad + (i * (width - pad - 4)) / (points - 1)},${height - pad / 2 - (v / top) * (height - pad)}`).filter(Boolean);
    if (coords.length) parts.push(`<polyline fill="none" stroke="${colors[index]}" stroke-width="2" points="${coords.join(" ")}"/>`);
    const last = line.values.filter((v) => v !== null).slice(-1)[0];
    parts.push(`<text x="${pad + 10 + index * 120}" y="14" fill="${colors[index]}">${line.name}: ${last === undefined ? "–" : last.toFixed(2)}</text>`);
  });
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.innerHTML = parts.join("");
  svg.setAttribute("aria-label", title);
}

export async function mount(main) {
  const grid = el("div", { className: "charts" });
  const status = el("p", { className: "muted", id: "metrics-status" }, "Reading the agent's counters every 2 s…");
  main.append(el("h2", {}, "Metrics"), status, grid);
  const views = charts.map((chart) => {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("role", "img");
    grid.append(el("div", { className: "chart", id: "chart-" + chart.id }, el("h2", {}, chart.title), svg));
    return { chart, svg, history: chart.series.map(() => []), previous: null };
  });
  async function sample() {
    let metrics;
    try { metrics = parseMetrics(await metricsText()); } catch (error) { status.textContent = "Cannot read /metrics: " + error.message; return; }
    const now = Date.now();
    status.textContent = "Updated " + new Date(now).toLocaleTimeString();
    for (const view of views) {
      const readings = view.chart.series.map(([, read]) => read(metrics));
      view.chart.series.forEach(([, , kind], index) => {
        const reading = readings[index], before = view.previous && view.previous.readings[index];
        let value = null;
        if (before) {
          const seconds = (now - view.previous.at) / 1000;
          if (kind === "rate") value = Math.max(0, (reading - before) / seconds);
          if (kind === "ratio") { const d = reading[1] - before[1]; value = d > 0 ? (100 * (reading[0] - before[0])) / d : null; }
          if (kind === "ratio-rate") { const d = reading[1] - before[1]; value = d > 0 ? (reading[0] - before[0]) / d : null; }
        }
        view.history[index].push(value);
        if (view.history[index].length > points) view.history[index].shift();
      });
      view.previous = { at: now, readings };
      draw(view.svg, view.chart.title, view.chart.series.map(([name], index) => ({ name, values: view.history[index] })));
    }
  }
  await sample();
  const timer = setInterval(sample, 2000);
  return () => clearInterval(timer);
}
"""#
}
