/// The dashboard's style sheet: high contrast, visible focus, no external fonts.
enum DashboardStyle {
    static let css = #"""
:root { --fg: #111; --bg: #fff; --muted: #4a4a4a; --line: #c8c8c8; --ok: #0b6b2b; --bad: #b00020; --warn: #8a5300; --accent: #0b4f9c; --soft: #f2f4f7; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #ff0; padding: 4px; z-index: 9; }
header { display: flex; align-items: center; gap: 16px; padding: 10px 20px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 20px; margin: 0; }
.node { color: var(--muted); }
.badge { padding: 2px 10px; border-radius: 12px; font-weight: 600; font-size: 13px; border: 1px solid currentColor; }
.badge.live { color: var(--ok); } .badge.stale { color: var(--warn); } .badge.down { color: #fff; background: var(--bad); border-color: var(--bad); }
nav { display: flex; gap: 4px; padding: 6px 16px; background: var(--soft); border-bottom: 1px solid var(--line); flex-wrap: wrap; }
nav a { padding: 6px 12px; border-radius: 6px; color: var(--accent); text-decoration: none; font-weight: 600; }
nav a[aria-current="page"] { background: var(--accent); color: #fff; }
a:focus, button:focus, input:focus, select:focus, [tabindex]:focus, circle:focus { outline: 3px solid #f5a623; outline-offset: 2px; }
main { padding: 16px 20px; }
h2 { font-size: 18px; margin: 18px 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .value { font-size: 24px; font-weight: 700; } .card .label { color: var(--muted); font-size: 13px; }
.problems { list-style: none; padding: 0; margin: 0 0 12px; }
.problems li { border-left: 5px solid var(--bad); background: #fdecee; padding: 8px 12px; margin-bottom: 6px; }
.problems li.ok { border-color: var(--ok); background: #e9f6ee; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th button { font: inherit; font-weight: 700; background: none; border: 0; padding: 0; cursor: pointer; color: var(--fg); }
tr.highlight td { background: #fff6cc; }
.yes { color: var(--ok); font-weight: 600; } .no { color: var(--bad); font-weight: 700; }
.muted { color: var(--muted); }
.toolbar { display: flex; gap: 10px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
input, select, button { font: inherit; padding: 4px 8px; border: 1px solid #767676; border-radius: 4px; background: #fff; color: var(--fg); }
button { cursor: pointer; }
.split { display: grid; grid-template-columns: minmax(260px, 1fr) 2fr; gap: 16px; }
pre { background: var(--soft); padding: 10px; border-radius: 6px; overflow: auto; max-height: 480px; }
.legend span { margin-right: 14px; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; vertical-align: middle; }
svg.topology { width: 100%; height: 72vh; border: 1px solid var(--line); border-radius: 8px; background: #fcfcfd; }
svg text { font-size: 11px; fill: #111; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
.chart svg { width: 100%; height: 150px; background: #fcfcfd; border: 1px solid var(--line); border-radius: 6px; }
.notice { padding: 10px; border: 1px dashed var(--line); color: var(--muted); }
"""#
}
