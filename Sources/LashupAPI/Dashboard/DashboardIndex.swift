/// The dashboard's one HTML page: the frame every view renders into.
enum DashboardIndex {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lashup</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/style.css">
<script type="module" src="/ui/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <h1>Lashup</h1>
  <span id="node" class="node" title="the agent this page talks to"></span>
  <span id="connection" class="badge stale" role="status" aria-live="polite">connecting…</span>
</header>
<nav aria-label="Pages">
  <a href="#/overview" data-page="overview">Overview</a>
  <a href="#/topology" data-page="topology">Topology</a>
  <a href="#/members" data-page="members">Members</a>
  <a href="#/services" data-page="services">Services</a>
  <a href="#/store" data-page="store">Store</a>
  <a href="#/metrics" data-page="metrics">Metrics</a>
</nav>
<main id="main" tabindex="-1"></main>
</body>
</html>
"""#
}
