/**
 * The dashboard page: one self-contained HTML document (no CDN, no chart library: the charts are
 * inline SVG drawn by the script below). It knows no metric name: it draws the views the server
 * describes in `/api/dashboard`, polling it every two seconds (`?refresh=<seconds>` changes that).
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kinsight local - Container Insights</title>
<style>
  :root {
    --bg: #f2f3f3; --card: #ffffff; --ink: #16191f; --muted: #5f6b7a; --line: #e9ebed;
    --accent: #0972d3; --nav: #232f3e; --ok: #037f0c; --warn: #d91515;
    font-family: "Amazon Ember", "Helvetica Neue", Roboto, Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
  }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--ink); font-size: 14px; }
  header { background: var(--nav); color: #fff; padding: 12px 24px; display: flex; align-items: center; gap: 24px; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; font-weight: 600; letter-spacing: .2px; }
  header h1 span { color: #ff9900; }
  .pills { display: flex; gap: 8px; flex-wrap: wrap; }
  .pill { background: rgba(255,255,255,.1); border-radius: 12px; padding: 3px 10px; font-size: 12px; white-space: nowrap; }
  .pill b { font-weight: 600; }
  nav { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid var(--line); padding: 0 24px; display: flex; gap: 4px; }
  nav a { color: var(--muted); text-decoration: none; padding: 10px 12px; font-weight: 600; border-bottom: 3px solid transparent; }
  nav a:hover { color: var(--accent); border-bottom-color: var(--accent); }
  main { padding: 8px 24px 32px; }
  section h2 { font-size: 17px; margin: 22px 0 10px; font-weight: 700; }
  section h2 small { color: var(--muted); font-weight: 400; font-size: 12px; margin-left: 8px; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; margin-bottom: 12px; }
  .tile { background: var(--card); border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,28,36,.15); }
  .tile .label { color: var(--muted); font-size: 12px; }
  .tile .value { font-size: 26px; font-weight: 600; margin-top: 4px; }
  .tile .value.bad { color: var(--warn); }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 12px; }
  .chart { background: var(--card); border-radius: 8px; padding: 12px 14px 10px; box-shadow: 0 1px 2px rgba(0,28,36,.15); min-height: 250px; }
  .chart h3 { font-size: 14px; margin: 0; font-weight: 600; }
  .chart .sub { color: var(--muted); font-size: 11px; margin: 2px 0 6px; font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; }
  .chart svg { display: block; width: 100%; height: 170px; }
  .chart .empty { color: var(--muted); height: 170px; display: flex; align-items: center; justify-content: center; font-style: italic; }
  .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 6px; font-size: 12px; }
  .legend span { display: inline-flex; align-items: center; gap: 5px; max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .legend i { width: 10px; height: 10px; border-radius: 2px; display: inline-block; flex: none; }
  .legend em { color: var(--muted); font-style: normal; }
  svg text { font-size: 10px; fill: var(--muted); }
  svg .grid line { stroke: var(--line); }
  svg path.line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
  footer { color: var(--muted); font-size: 12px; padding: 0 24px 24px; }
  #error { display: none; background: #fff1f0; color: var(--warn); border: 1px solid #ffccc7; border-radius: 8px; padding: 8px 12px; margin-top: 12px; }
</style>
</head>
<body>
<header>
  <h1><span>kinsight</span> local &middot; Container Insights</h1>
  <div class="pills" id="status"><span class="pill">connecting...</span></div>
</header>
<nav id="nav"></nav>
<main>
  <div id="error"></div>
  <div id="views"></div>
</main>
<footer id="footer"></footer>
<script>
(function () {
  'use strict';
  var PALETTE = ['#0972d3', '#e07941', '#29ad32', '#c33d69', '#7d8998', '#8456ce', '#2ea597', '#b2911c', '#de3f82', '#0f9abf'];
  var SVG = 'http://www.w3.org/2000/svg';
  var params = new URLSearchParams(location.search);
  var refreshMs = Math.max(500, Number(params.get('refresh') || 2) * 1000);
  // One color per series name for the page's life: a node keeps its color in every chart and refresh.
  var colors = {};
  var colorCount = 0;
  function colorOf(label) {
    if (!(label in colors)) colors[label] = PALETTE[colorCount++ % PALETTE.length];
    return colors[label];
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    return node;
  }
  function scaled(value, base, units) {
    var i = 0;
    while (Math.abs(value) >= base && i < units.length - 1) { value /= base; i++; }
    return (Math.abs(value) >= 100 || i === 0 && Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)) + units[i];
  }
  function format(value, unit) {
    if (!isFinite(value)) return '-';
    if (unit === 'Percent') return (value === 0 || value >= 10 ? value.toFixed(0) : value.toFixed(1)) + '%';
    if (unit === 'Bytes') return scaled(value, 1024, [' B', ' KiB', ' MiB', ' GiB', ' TiB']);
    if (unit === 'Bytes/Second') return scaled(value, 1024, [' B/s', ' KiB/s', ' MiB/s', ' GiB/s']);
    if (unit === 'Count/Second') return scaled(value, 1000, ['/s', 'k/s', 'M/s']);
    if (unit === '') return scaled(value, 1000, ['m', '', 'k']);
    return scaled(value, 1000, ['', 'k', 'M', 'G']);
  }
  function niceMax(max, unit) {
    if (max <= 0) return unit === 'Percent' ? 10 : 1;
    // Small counts get whole-number ticks (0..4) rather than quarters of 1.
    if (unit === 'Count' && max <= 4) return 4;
    // A busy CPU reads a hair above 100 %: keep the 0-100 scale rather than jump to 200.
    if (unit === 'Percent' && max > 100 && max <= 103) return 100;
    var p = Math.pow(10, Math.floor(Math.log10(max)));
    var steps = unit === 'Percent' && max <= 100 ? [1, 2, 4, 6, 8, 10] : [1, 2, 4, 8, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= max) return steps[i] * p;
    return 10 * p;
  }
  function clock(ms) {
    var d = new Date(ms);
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) { return String(n).padStart(2, '0'); }).join(':');
  }

  function drawChart(chart, data) {
    var card = el('div', { 'class': 'chart', 'data-metric': chart.metric, 'data-lines': String(chart.lines.length) });
    card.appendChild(el('h3', {}, chart.title));
    card.appendChild(el('div', { 'class': 'sub' }, chart.metric + ' \\u00b7 ' + chart.statistic + ' by ' + chart.dimensionKeys.join(', ')));
    if (chart.lines.length === 0) { card.appendChild(el('div', { 'class': 'empty' }, 'waiting for data...')); return card; }
    var W = 480, H = 170, L = 54, R = 8, T = 8, B = 20;
    var svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', role: 'img', 'aria-label': chart.title });
    var x0 = data.firstMs, x1 = Math.max(data.lastMs + data.periodMs, x0 + data.periodMs);
    var max = 0;
    chart.lines.forEach(function (line) { line.points.forEach(function (p) { if (p[1] > max) max = p[1]; }); });
    var yMax = niceMax(max, chart.unit);
    function X(t) { return L + (t - x0) / (x1 - x0) * (W - L - R); }
    function Y(v) { return T + (1 - v / yMax) * (H - T - B); }
    var grid = svgEl('g', { 'class': 'grid' });
    for (var i = 0; i <= 4; i++) {
      var v = yMax * i / 4, y = Y(v);
      grid.appendChild(svgEl('line', { x1: L, x2: W - R, y1: y, y2: y }));
      var label = svgEl('text', { x: L - 6, y: y + 3, 'text-anchor': 'end' });
      label.textContent = format(v, chart.unit);
      grid.appendChild(label);
    }
    for (var j = 0; j <= 3; j++) {
      var t = x0 + (x1 - x0) * j / 3;
      var tl = svgEl('text', { x: X(t), y: H - 5, 'text-anchor': j === 0 ? 'start' : j === 3 ? 'end' : 'middle' });
      tl.textContent = clock(t);
      grid.appendChild(tl);
    }
    svg.appendChild(grid);
    chart.lines.forEach(function (line) {
      var color = line.label === chart.title ? PALETTE[0] : colorOf(line.label);
      var d = line.points.map(function (p, n) { return (n === 0 ? 'M' : 'L') + X(p[0] + data.periodMs / 2).toFixed(1) + ' ' + Y(p[1]).toFixed(1); }).join(' ');
      svg.appendChild(svgEl('path', { 'class': 'line', d: d, stroke: color }));
      line.points.forEach(function (p) {
        svg.appendChild(svgEl('circle', { cx: X(p[0] + data.periodMs / 2).toFixed(1), cy: Y(p[1]).toFixed(1), r: line.points.length < 4 ? 3 : 1.6, fill: color }));
      });
    });
    card.appendChild(svg);
    var legend = el('div', { 'class': 'legend' });
    chart.lines.forEach(function (line) {
      var item = el('span', { title: line.label });
      item.appendChild(el('i', { style: 'background:' + (line.label === chart.title ? PALETTE[0] : colorOf(line.label)) }));
      item.appendChild(document.createTextNode(line.label + ' '));
      item.appendChild(el('em', {}, format(line.latest, chart.unit)));
      legend.appendChild(item);
    });
    card.appendChild(legend);
    return card;
  }

  function drawTiles(view) {
    var tiles = el('div', { 'class': 'tiles' });
    view.charts.forEach(function (chart) {
      var latest = chart.lines.length ? chart.lines[0].latest : NaN;
      var tile = el('div', { 'class': 'tile', 'data-metric': chart.metric });
      tile.appendChild(el('div', { 'class': 'label' }, chart.title));
      var bad = /failed/i.test(chart.title) && latest > 0;
      tile.appendChild(el('div', { 'class': 'value' + (bad ? ' bad' : '') }, format(latest, chart.unit)));
      tiles.appendChild(tile);
    });
    return tiles;
  }

  function drawStatus(status, data) {
    var box = document.getElementById('status');
    box.textContent = '';
    var items = [];
    if (status) {
      items = [['cluster', status.cluster], ['nodes', status.nodes], ['pods', status.pods], ['interval', status.intervalMs / 1000 + ' s'],
        ['cycles', status.cycles], ['records in', status.recordsIn], ['events out', status.eventsOut],
        ['lag', status.lagMs === undefined ? '-' : (status.lagMs / 1000).toFixed(1) + ' s']];
      if (status.profile) items.push(['profile', status.profile]);
      // The written profile's EMF bytes, then the other profiles' for the same records (encoded, not written).
      var sizes = status.bytesByProfile || {};
      var names = Object.keys(sizes).sort(function (a, b) { return (b === status.profile) - (a === status.profile) || sizes[b] - sizes[a]; });
      names.forEach(function (name) {
        var share = sizes.classic && name !== 'classic' ? ' (' + (100 * sizes[name] / sizes.classic).toFixed(1) + '% of classic)' : '';
        items.push(['EMF ' + name + (name === status.profile ? ' written' : ' would write'), format(sizes[name], 'Bytes') + share]);
      });
    }
    items.push(['period', data.periodMs / 1000 + ' s'], ['metrics', data.metricCount]);
    items.forEach(function (kv) {
      var pill = el('span', { 'class': 'pill' });
      pill.appendChild(document.createTextNode(kv[0] + ' '));
      pill.appendChild(el('b', {}, String(kv[1])));
      box.appendChild(pill);
    });
    document.getElementById('footer').textContent = (status ? 'EMF files in ' + status.outDir + ' \\u00b7 ' : '') +
      'aggregated per ' + data.periodMs / 1000 + ' s from the _aws directives, as CloudWatch would \\u00b7 updated ' + clock(data.generatedAtMs);
  }

  // Every chart shares one time axis: from the first period with data (within the window) to the last.
  function timeRange(data) {
    var first = Infinity, last = -Infinity;
    data.views.forEach(function (v) { v.charts.forEach(function (c) { c.lines.forEach(function (l) {
      l.points.forEach(function (p) { if (p[0] < first) first = p[0]; if (p[0] > last) last = p[0]; });
    }); }); });
    data.firstMs = isFinite(first) ? Math.max(first, data.fromMs) : data.fromMs;
    data.lastMs = isFinite(last) ? last : data.generatedAtMs;
  }

  function render(data) {
    timeRange(data);
    var nav = document.getElementById('nav');
    if (!nav.childElementCount) data.views.forEach(function (v) { nav.appendChild(el('a', { href: '#' + v.id }, v.title)); });
    var root = document.getElementById('views');
    var next = document.createDocumentFragment();
    data.views.forEach(function (view) {
      var section = el('section', { id: view.id, 'data-view': view.id });
      var h2 = el('h2', {}, view.title);
      h2.appendChild(el('small', {}, view.charts.length + ' charts'));
      section.appendChild(h2);
      if (view.id === 'cluster') section.appendChild(drawTiles(view));
      var grid = el('div', { 'class': 'grid' });
      view.charts.forEach(function (chart) { grid.appendChild(drawChart(chart, data)); });
      section.appendChild(grid);
      next.appendChild(section);
    });
    root.replaceChildren(next);
    drawStatus(data.status, data);
    document.body.setAttribute('data-updated', String(data.generatedAtMs));
  }

  function poll() {
    fetch('api/dashboard', { cache: 'no-store' })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(function (data) { document.getElementById('error').style.display = 'none'; render(data); })
      .catch(function (error) {
        var box = document.getElementById('error');
        box.textContent = 'The dashboard endpoint did not answer (' + error.message + '); is kinsight local still running?';
        box.style.display = 'block';
      })
      .then(function () { setTimeout(poll, refreshMs); });
  }
  poll();
})();
</script>
</body>
</html>
`;
