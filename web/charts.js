// The Usage page's charts: <canvas data-chart="requests|tokens" data-series="{json}">, drawn with
// Chart.js (loaded deferred, after this file) once htmx loads their content, and drawn again in
// the new colours when the theme changes (theme.js's `gg:theme-change`); a chart whose canvas was swapped out is destroyed.
(function () {
  'use strict';
  var root = document.documentElement;

  // src/dashboard/format.ts itself, served as /assets/format.js and loaded before this file.
  var format = window.GopherGateFormat;
  function compact(n) { return format.compactNumber(Number(n) || 0); }
  function usd(n) { return format.usd(Number(n) || 0); }

  var charts = new WeakMap();
  function cssVar(name) {
    return getComputedStyle(root).getPropertyValue(name).trim();
  }
  function bucketLabel(t, bucket) {
    var iso = new Date(t).toISOString();
    return bucket === 'hour' ? iso.slice(5, 10) + ' ' + iso.slice(11, 16) : iso.slice(0, 10);
  }
  function chartConfig(kind, s) {
    var labels = s.labels.map(function (t) { return bucketLabel(t, s.bucket); });
    var grid = cssVar('--border');
    var text = cssVar('--muted');
    var scaleBase = { grid: { color: grid }, ticks: { color: text, maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } };
    // Hourly buckets over more than two days (the 7-day range): a tick at each UTC midnight, named by its
    // day, not every Nth hour (12-01 01:00, 12-02 11:00, …); the tooltip still names the hour.
    var xScale = s.bucket === 'hour' && s.labels.length > 48
      ? { grid: { color: grid }, ticks: { color: text, maxRotation: 0, autoSkip: false, callback: function (v, i) {
        var t = s.labels[i];
        return new Date(t).getUTCHours() === 0 ? bucketLabel(t, 'day').slice(5) : null;
      } } }
      : scaleBase;
    var common = {
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { labels: { color: text, boxWidth: 12 } } },
    };
    if (kind === 'tokens') {
      return {
        type: 'bar',
        data: { labels: labels, datasets: [
          { label: 'Input tokens', data: s.promptTokens, backgroundColor: cssVar('--chart-1'), stack: 't' },
          { label: 'Output tokens', data: s.completionTokens, backgroundColor: cssVar('--chart-2'), stack: 't' },
        ] },
        options: Object.assign({}, common, {
          scales: { x: Object.assign({ stacked: true }, xScale), y: Object.assign({ stacked: true, beginAtZero: true }, scaleBase, { ticks: { color: text, precision: 0, callback: compact } }) },
          plugins: Object.assign({}, common.plugins, { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + compact(c.parsed.y); } } } }),
        }),
      };
    }
    return {
      type: 'bar',
      data: { labels: labels, datasets: [
        { label: 'Requests', data: s.requests, backgroundColor: cssVar('--chart-1'), yAxisID: 'y', order: 2 },
        { label: 'Errors', data: s.errors, backgroundColor: cssVar('--chart-err'), yAxisID: 'y', order: 1 },
        { label: 'Cost', data: s.cost, type: 'line', borderColor: cssVar('--chart-3'), backgroundColor: cssVar('--chart-3'), yAxisID: 'cost', tension: 0.25, pointRadius: 0, order: 0 },
      ] },
      options: Object.assign({}, common, {
        scales: {
          x: xScale,
          y: Object.assign({ beginAtZero: true }, scaleBase, { ticks: { color: text, precision: 0, callback: compact } }),
          cost: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { color: text, callback: usd } },
        },
        plugins: Object.assign({}, common.plugins, { tooltip: { callbacks: { label: function (c) {
          return c.dataset.label + ': ' + (c.dataset.yAxisID === 'cost' ? usd(c.parsed.y) : compact(c.parsed.y));
        } } } }),
      }),
    };
  }
  // Chart.js holds every chart it drew (Chart.instances) until it is destroyed: a chart whose
  // canvas htmx swapped out (another page, another range) would stay in memory for good.
  function destroyDetached() {
    var all = window.Chart.instances;
    Object.keys(all).forEach(function (id) {
      if (!all[id].canvas || !all[id].canvas.isConnected) all[id].destroy();
    });
  }
  function renderCharts(scope) {
    if (!window.Chart) return;
    destroyDetached();
    var canvases = (scope || document).querySelectorAll('canvas[data-chart]');
    for (var i = 0; i < canvases.length; i++) {
      var c = canvases[i];
      var old = charts.get(c);
      if (old) old.destroy();
      var series;
      try { series = JSON.parse(c.getAttribute('data-series') || '{}'); } catch (e) { continue; }
      charts.set(c, new window.Chart(c, chartConfig(c.getAttribute('data-chart'), series)));
      c.setAttribute('data-rendered', 'true');
    }
  }

  // Not htmx.onLoad(): called during DOMContentLoaded it defers its registration to a
  // DOMContentLoaded that has already fired. htmx:load bubbles, so listen on document now.
  document.addEventListener('htmx:load', function (ev) {
    renderCharts(ev.detail && ev.detail.elt instanceof Element ? ev.detail.elt : document);
  });
  // Without htmx (it failed to load) nothing fires htmx:load: draw once the page is parsed.
  document.addEventListener('DOMContentLoaded', function () {
    if (!window.htmx) renderCharts(document);
  });
  document.addEventListener('gg:theme-change', function () { renderCharts(document); });
})();
