// GopherGate dashboard behaviour. Loaded in <head> without defer (before htmx, Chart.js and
// Alpine): it applies the saved theme before first paint and registers Alpine components before
// Alpine starts. The CSP forbids inline scripts, so all page data arrives in data-* attributes,
// and nothing here ever assigns innerHTML from data (textContent / Alpine x-text only).
(function () {
  'use strict';
  var root = document.documentElement;
  var THEME_KEY = 'gg-theme';

  // ---- theme: saved choice wins, else the OS preference (handled in CSS) -------------------
  function savedTheme() {
    try { return localStorage.getItem(THEME_KEY); } catch (e) { return null; }
  }
  function applyTheme(t) {
    if (t === 'light' || t === 'dark') root.setAttribute('data-theme', t);
    else root.removeAttribute('data-theme');
  }
  function currentTheme() {
    var t = root.getAttribute('data-theme');
    if (t) return t;
    return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }
  applyTheme(savedTheme());

  document.addEventListener('click', function (ev) {
    var el = ev.target instanceof Element ? ev.target : null;
    if (!el) return;
    var toggle = el.closest('[data-theme-toggle]');
    if (toggle) {
      var next = currentTheme() === 'dark' ? 'light' : 'dark';
      applyTheme(next);
      try { localStorage.setItem(THEME_KEY, next); } catch (e) { /* private mode: not remembered */ }
      renderCharts(document);
      return;
    }
    var copy = el.closest('[data-copy]');
    if (copy) copyText(copy);
    // The log detail's Close: a link to /logs without JavaScript, closed in place with it.
    if (el.closest('[data-close-detail]') && closeLogDetail()) ev.preventDefault();
  });

  // ---- the Logs page's detail panel ----------------------------------------------------------
  // Closed by its Close link or by Escape (from the panel, a log row, or nowhere in particular):
  // the panel says again what it said empty, the focus goes back to the row it showed (else the
  // page's heading), and an address that named the row (/logs/12, opened directly) becomes /logs.
  function closeLogDetail() {
    var panel = document.getElementById('log-detail');
    var body = panel && panel.querySelector('[data-log-detail]');
    if (!body) return false;
    var id = body.getAttribute('data-log-id');
    var empty = document.createElement('p');
    empty.className = 'muted';
    empty.textContent = panel.getAttribute('data-empty') || '';
    panel.replaceChildren(empty);
    if (/^\/logs\/[^/]+$/.test(location.pathname)) history.replaceState(history.state, '', '/logs');
    var to = (id && document.getElementById('log-' + id)) || document.querySelector('#main h1');
    if (to) {
      if (!to.hasAttribute('tabindex')) to.setAttribute('tabindex', '-1');
      to.focus();
    }
    return true;
  }
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape' || ev.defaultPrevented) return;
    var at = ev.target instanceof Element ? ev.target : null;
    var fromPanel = at && (at === document.body || at.closest('#log-detail') || at.closest('#logs-table'));
    if (fromPanel && closeLogDetail()) ev.preventDefault();
  });

  // A table row that opens something (a log row: tabindex and hx-get) opens with Enter or Space
  // too, as a button would: keyboard users can focus the rows, so they must be able to use them.
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    var row = ev.target instanceof Element && ev.target.matches('tr[hx-get][tabindex]') ? ev.target : null;
    if (!row || ev.repeat) return;
    ev.preventDefault(); // Space would scroll the page
    row.click();
  });

  // An open <details> editor (a group's Edit, Create a group) closes with Escape, as the other
  // editors do (the 'editors' component below), and the focus goes back to its summary.
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape' || ev.defaultPrevented) return;
    var details = ev.target instanceof Element ? ev.target.closest('details[open]') : null;
    if (!details) return;
    details.open = false;
    var summary = details.querySelector('summary');
    if (summary) summary.focus();
  });

  // ---- focus after htmx swaps: helpers of the handlers below --------------------------------
  // The element whose request an htmx event reports (the form or button that sent it), or null.
  function requestElt(ev) {
    var sent = ev.detail && ev.detail.requestConfig && ev.detail.requestConfig.elt;
    return sent instanceof Element ? sent : null;
  }
  // The focus is on something still shown, not fallen to the page's start with a swapped-out control.
  function focusIsPlaced() {
    var active = document.activeElement;
    return !!(active && active !== document.body && active.getClientRects().length);
  }
  // The focus on an element that is not a control (a heading, a row, a section), without scrolling.
  function focusPlace(el) {
    if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
    el.focus({ preventScroll: true });
  }

  // ---- copy buttons: data-copy="#selector" copies that element's text ----------------------
  function copyText(button) {
    var src = document.querySelector(button.getAttribute('data-copy'));
    if (!src) return;
    var text = src.textContent || '';
    var done = function () {
      // The label from before the first click: a second click within 1.5 s must not take
      // "Copied" for the label and leave it there for good.
      if (!button.hasAttribute('data-label')) button.setAttribute('data-label', button.textContent);
      var label = button.getAttribute('data-label');
      button.textContent = 'Copied';
      clearTimeout(button._copiedTimer);
      button._copiedTimer = setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(src); });
    } else {
      selectText(src);
    }
  }
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // ---- formatting shared by charts and the monitor: src/dashboard/format.ts itself, served as
  // /assets/format.js (src/dashboard/format-script.ts) and loaded before this file -------------
  var format = window.GopherGateFormat;
  function compact(n) { return format.compactNumber(Number(n) || 0); }
  function usd(n) { return format.usd(Number(n) || 0); }
  function ms(n) { return format.duration(Number(n) || 0); }
  function utc(t) {
    return new Date(t).toISOString().slice(11, 19);
  }

  // ---- charts: <canvas data-chart="requests|tokens" data-series="{json}"> -----------------
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
          scales: { x: Object.assign({ stacked: true }, scaleBase), y: Object.assign({ stacked: true, beginAtZero: true }, scaleBase, { ticks: { color: text, precision: 0, callback: compact } }) },
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
          x: scaleBase,
          y: Object.assign({ beginAtZero: true }, scaleBase, { ticks: { color: text, precision: 0, callback: compact } }),
          cost: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { color: text, callback: usd } },
        },
        plugins: Object.assign({}, common.plugins, { tooltip: { callbacks: { label: function (c) {
          return c.dataset.label + ': ' + (c.dataset.yAxisID === 'cost' ? usd(c.parsed.y) : compact(c.parsed.y));
        } } } }),
      }),
    };
  }
  function renderCharts(scope) {
    if (!window.Chart) return;
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
    syncNav();
  });

  // ---- sidebar: keep "active" in step with HTMX navigation ---------------------------------
  function syncNav() {
    var page = document.querySelector('#main [data-page]');
    if (!page) return;
    var key = page.getAttribute('data-page');
    var links = document.querySelectorAll('.nav a[data-nav]');
    for (var i = 0; i < links.length; i++) links[i].classList.toggle('active', links[i].getAttribute('data-nav') === key);
  }

  document.addEventListener('DOMContentLoaded', function () {
    var htmx = window.htmx;
    if (htmx) {
      // Validation errors (422), failed logins (401) and throttling (429) come back as HTML to
      // show in place; other 4xx/5xx are surfaced by the error toast below instead.
      htmx.config.responseHandling = [
        { code: '204', swap: false },
        { code: '[23]..', swap: true },
        { code: '(401|422|429)', swap: true, error: false },
        { code: '[45]..', swap: false, error: true },
      ];
      htmx.config.historyCacheSize = 0; // pages show live numbers: always refetch on back
      // Inputs a form pulls in with hx-include (a model row's prices) are checked by HTMX, not
      // the browser: without this an invalid one (a context window of 0) stops the save silently.
      htmx.config.reportValidityOfForms = true;
    } else {
      renderCharts(document);
    }
    // HTML the dashboard answers with an error status is meant to be seen. The server's error
    // page (data-page="error", src/dashboard/error-pages.tsx): a page loaded into #main shows it
    // there (with its Retry link, the address pushed as for any page); any other request (a save,
    // a row's detail, a sign-in) keeps the page and shows its message. Other HTML (a log row that
    // is gone: 404, the admins-only page: 403) is content for its target, swapped as a 200 is.
    document.body.addEventListener('htmx:beforeSwap', function (ev) {
      var d = ev.detail;
      if (!d || !d.xhr || d.xhr.status < 400 || !isHtml(d.xhr)) return;
      var show = !isErrorPage(d.xhr) || (d.target && d.target.id === 'main');
      d.shouldSwap = show;
      d.isError = !show;
    });
    document.body.addEventListener('htmx:responseError', function (ev) {
      toast(errorMessage(ev.detail && ev.detail.xhr));
    });
    // A row opened in the log detail: the focus goes to the panel's heading (a screen reader reads
    // the request it shows; Tab goes on to its Close). Below 1300px the panel sits under the
    // table: bring it into sight, or a click on row 40 of 50 seems to do nothing.
    document.body.addEventListener('htmx:afterSwap', function (ev) {
      var t = ev.detail && ev.detail.target;
      if (!t || t.id !== 'log-detail') return;
      var heading = t.querySelector('#log-detail-title');
      if (heading) heading.focus({ preventScroll: true });
      var r = t.getBoundingClientRect();
      if (r.top >= window.innerHeight || r.bottom <= 0) t.scrollIntoView({ block: 'start' });
    });
    // The Logs filters leave blank fields out of the address: "/logs?status=error", not
    // "/logs?from=&to=&client=&provider=&model=&endpoint=&status=error" (the pager's own links
    // are written so too, and the address is what an operator copies to a colleague).
    document.body.addEventListener('htmx:configRequest', function (ev) {
      var d = ev.detail;
      if (!d || !(d.elt instanceof Element) || !d.elt.matches('form.filters') || !d.parameters) return;
      Object.keys(d.parameters).forEach(function (k) { if (d.parameters[k] === '') delete d.parameters[k]; });
    });
    // A page opened from the sidebar: the focus goes to its heading, as a page load would start
    // there, so the next Tab is the page's first control, not the sidebar's next link.
    document.body.addEventListener('htmx:afterSettle', function (ev) {
      var sent = requestElt(ev);
      var target = ev.detail && ev.detail.target;
      if (!sent || !sent.closest('.nav') || !target || target.id !== 'main') return;
      focusPlace(target.querySelector('h1') || target);
    });
    // A saved editor's section comes back whole, and the focus, on a field of the form that is
    // gone, would fall to the start of the page: give it to that editor's opener in the new copy
    // of its row (a refused save swaps only its message, so the focus stays in the form).
    document.body.addEventListener('htmx:afterSettle', function (ev) {
      var sent = requestElt(ev);
      if (!sent || !sent.hasAttribute('data-editor') || document.contains(sent) || focusIsPlaced()) return;
      var holder = sent.closest('[id]');
      var row = holder && document.getElementById(holder.id);
      var opener = row && row.querySelector('[data-opens="' + sent.getAttribute('data-editor') + '"]');
      if (opener) opener.focus();
    });
    // Any other control that went with the swap it caused (Revoke, Delete, Remove, the last
    // page's Older): the focus goes to the nearest of its containers still on the page (the
    // revoked key's row, else the section), not back to the start of the page.
    document.body.addEventListener('htmx:afterSettle', function (ev) {
      var sent = requestElt(ev);
      if (!sent || document.contains(sent) || focusIsPlaced()) return;
      for (var el = sent.parentElement; el; el = el.parentElement) {
        var now = el.id && document.getElementById(el.id);
        if (!now || !now.getClientRects().length) continue;
        focusPlace(now);
        return;
      }
    });
    // A refused save's message lands in its form's error slot; when it names a field of that
    // form (data-param, the input's name), the field is marked (aria-invalid, described by the
    // message) and takes the focus, and in a grid of labelled fields (a key's limits, a team)
    // the message moves under that field instead of staying at the top of the form.
    document.body.addEventListener('htmx:afterSwap', function (ev) {
      var slot = ev.detail && ev.detail.target;
      var sent = requestElt(ev);
      var form = sent ? sent.closest('form') : null;
      if (!slot || !form || !slot.id) return;
      // The marks of the previous refusal of this form go first.
      form.querySelectorAll('[aria-invalid="true"][data-field-error]').forEach(function (i) {
        i.removeAttribute('aria-invalid');
        i.removeAttribute('aria-describedby');
        i.removeAttribute('data-field-error');
      });
      form.querySelectorAll('.form-errors[data-moved-from="' + slot.id + '"]').forEach(function (m) { m.remove(); });
      var list = slot.querySelector('.form-errors[data-param]');
      if (!list) return;
      var name = list.getAttribute('data-param');
      var input = Array.prototype.filter.call(form.querySelectorAll('input, select, textarea'), function (i) {
        return i.name === name && i.type !== 'hidden';
      })[0];
      if (!input) return;
      var box = input.closest('label');
      if (box && form.contains(box) && !box.contains(slot)) {
        list.setAttribute('data-moved-from', slot.id);
        box.appendChild(list);
      }
      list.id = slot.id + '-message';
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', list.id);
      input.setAttribute('data-field-error', '');
      input.focus();
    });
    document.body.addEventListener('htmx:sendError', function () { toast('The gateway did not answer. Is it running?'); });
    // Back/Forward to a page that now redirects (the session ended: the sign-in page): the
    // restore followed the server's 303, so load where it landed, address bar included.
    document.body.addEventListener('htmx:historyCacheMissLoad', function (ev) {
      var xhr = ev.detail && ev.detail.xhr;
      if (!xhr || !xhr.responseURL) return;
      var landed = new URL(xhr.responseURL);
      if (landed.pathname !== new URL(ev.detail.path, location.href).pathname) location.replace(landed.pathname + landed.search);
    });
  });

  function isHtml(xhr) {
    return /^text\/html/.test(xhr.getResponseHeader('content-type') || '');
  }

  function isErrorPage(xhr) {
    return isHtml(xhr) && xhr.responseText.indexOf('data-page="error"') >= 0;
  }

  /** An error answer's message: the error page's, the JSON API's, else the status. */
  function errorMessage(xhr) {
    if (!xhr) return 'Request failed';
    if (isErrorPage(xhr)) {
      var el = new DOMParser().parseFromString(xhr.responseText, 'text/html').querySelector('[data-error-message]');
      if (el && el.textContent.trim()) return el.textContent.trim();
    }
    try { return JSON.parse(xhr.responseText).error.message || 'Request failed'; } catch (e) { return 'Request failed (' + xhr.status + ')'; }
  }

  function toast(message) {
    var t = document.createElement('div');
    t.className = 'toast';
    t.setAttribute('role', 'alert');
    t.textContent = message;
    document.body.appendChild(t);
    setTimeout(function () { t.remove(); }, 5000);
  }

  // ---- Alpine components --------------------------------------------------------------------
  document.addEventListener('alpine:init', function () {
    var Alpine = window.Alpine;

    // Inline editors (a key's rename and limits, a team, a model's tiers, a pool key, a password
    // reset): x-data="editors" holds which are open. An opener (data-opens="name") calls
    // toggle('name'); the form (data-editor="name", x-show="open.name") closes with its Cancel
    // or Escape. Opening moves the focus to the form's first field, closing gives it back to
    // the opener, so a keyboard user is never left on a field that just disappeared.
    Alpine.data('editors', function () {
      return {
        open: {},
        init: function () {
          var self = this;
          this.$root.addEventListener('keydown', function (ev) {
            if (ev.key !== 'Escape') return;
            var form = ev.target instanceof Element ? ev.target.closest('[data-editor]') : null;
            if (!form) return;
            ev.preventDefault(); // an enclosing <details> stays open (the handler above)
            self.close(form.getAttribute('data-editor'));
          });
        },
        toggle: function (name) { if (this.open[name]) this.close(name); else this.show(name); },
        show: function (name) {
          var root = this.$root;
          this.open[name] = true;
          focusOnceShown(function () {
            var sel = '[data-editor="' + name + '"]';
            var form = root.matches(sel) ? root : root.querySelector(sel);
            return form && form.querySelector('input:not([type=hidden]), select, textarea');
          });
        },
        close: function (name) {
          var root = this.$root;
          this.open[name] = false;
          focusOnceShown(function () { return root.querySelector('[data-opens="' + name + '"]'); });
        },
      };
    });

    // x-show shows an element on the next animation frame (hiding is at once): focus() before
    // then does nothing. So: look on each frame, for a few, until the element is shown. If the
    // focus moved meanwhile (a click into another field of the form just opened), it stays there:
    // what is typed next must not land in the first field instead.
    function focusOnceShown(find) {
      var frames = 0;
      var before = document.activeElement;
      (function attempt() {
        var now = document.activeElement;
        if (now !== before && now && now !== document.body) return;
        var el = find();
        if (el && el.getClientRects().length) el.focus();
        else if (frames++ < 10) requestAnimationFrame(attempt);
      })();
    }

    Alpine.data('groupForm', function () {
      return {
        strategy: 'heuristic',
        init: function () {
          var sel = this.$el.querySelector('select[name=strategy]');
          if (sel) this.strategy = sel.value;
        },
      };
    });

    // Live monitor: one WebSocket per page view, reconnecting with backoff; newest first.
    Alpine.data('monitor', function () {
      return {
        rows: [], connected: false, paused: false, pending: 0, held: [],
        ws: null, retry: 0, closed: false, seq: 0, names: {}, showInstance: false,
        init: function () {
          var self = this;
          this.showInstance = this.$el.getAttribute('data-show-instance') === 'true';
          try { this.names = JSON.parse(this.$el.getAttribute('data-clients') || '{}'); } catch (e) { this.names = {}; }
          try {
            // Recent rows from the log, in the shape of the socket's events.
            var initial = JSON.parse(this.$el.getAttribute('data-initial') || '[]');
            this.rows = initial.map(function (r) { return toRow(r, ++self.seq, self.names); });
          } catch (e) { this.rows = []; }
          this.connect();
          // HTMX swaps the page out on navigation: close the socket with it.
          this.$el.addEventListener('htmx:beforeCleanupElement', function () { self.destroy(); });
        },
        destroy: function () {
          this.closed = true;
          if (this.ws) this.ws.close();
        },
        connect: function () {
          var self = this;
          if (this.closed || !document.contains(this.$el)) return;
          var url = new URL(this.$el.getAttribute('data-ws'), location.href);
          url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
          var ws = new WebSocket(url.toString());
          this.ws = ws;
          ws.onopen = function () { self.connected = true; self.retry = 0; };
          ws.onmessage = function (ev) { self.receive(ev.data); };
          ws.onclose = function (ev) {
            self.connected = false;
            if (self.closed) return;
            // 4401: the server ended the socket because the session ended (expired, signed out).
            if (ev.code === 4401) return self.signIn();
            // Any other close, a refused handshake included (the browser hides its 401): reconnect
            // only while the session lives, or this would retry in the background for ever.
            self.sessionEnded().then(function (ended) {
              if (ended) return self.signIn();
              if (self.closed) return;
              self.retry = Math.min(self.retry + 1, 6);
              setTimeout(function () { self.connect(); }, 500 * Math.pow(2, self.retry - 1));
            });
          };
        },
        // True only when the gateway answers that there is no session (401); unreachable: false.
        sessionEnded: function () {
          return fetch('/api/auth/me', { credentials: 'same-origin', headers: { accept: 'application/json' }, cache: 'no-store' })
            .then(function (r) { return r.status === 401; }, function () { return false; });
        },
        // As the rest of the dashboard does on a 401 (there by HX-Location): the sign-in page.
        signIn: function () {
          this.destroy();
          location.assign('/login');
        },
        receive: function (data) {
          var msg;
          try { msg = JSON.parse(data); } catch (e) { return; }
          // Server messages are {type:'request', data:{...snake_case record}}; others (hello) are ignored.
          if (!msg || msg.type !== 'request' || !msg.data || typeof msg.data !== 'object') return;
          var row = toRow(msg.data, ++this.seq, this.names);
          if (this.paused) { this.held.unshift(row); this.pending = this.held.length; return; }
          this.add([row]);
        },
        add: function (rows) {
          var self = this;
          rows.forEach(function (r) { r.fresh = true; });
          this.rows = rows.concat(this.rows).slice(0, 200);
          // Through the reactive proxy, so the highlight fades.
          setTimeout(function () { self.rows.forEach(function (r) { if (r.fresh) r.fresh = false; }); }, 1500);
        },
        toggle: function () {
          this.paused = !this.paused;
          if (!this.paused && this.held.length) { this.add(this.held); this.held = []; this.pending = 0; }
        },
        clear: function () { this.rows = []; this.held = []; this.pending = 0; },
        time: utc, usd: usd, ms: ms, num: compact,
        statusKind: function (s) { return s >= 200 && s < 300 ? 'ok' : s >= 500 || !s ? 'err' : 'warn'; },
      };
    });

    // The event names its client (server-side, from the in-memory snapshot); the names the page
    // was rendered with cover events from an older server, '#id' anything else.
    function clientLabel(id, name, names) {
      if (id == null) return '—';
      if (typeof name === 'string' && name) return name;
      return Object.prototype.hasOwnProperty.call(names, String(id)) ? String(names[String(id)]) : '#' + id;
    }

    // A monitor event's data (the server's logJson; camelCase from older servers) -> the row the table shows.
    function toRow(r, seq, names) {
      var pick = function (a, b) { return r[a] !== undefined ? r[a] : r[b]; };
      return {
        id: String(pick('request_id', 'requestId') || 'ws-' + seq) + ':' + seq,
        t: Number(pick('created_at', 'createdAt')) || Date.now(),
        status: Number(r.status) || 0,
        model: String(r.model || pick('model_requested', 'modelRequested') || ''),
        provider: String(r.provider || ''),
        route: String(r.route || ''),
        client: clientLabel(pick('client_id', 'clientId'), pick('client_name', 'clientName'), names),
        promptTokens: Number(pick('prompt_tokens', 'promptTokens')) || 0,
        completionTokens: Number(pick('completion_tokens', 'completionTokens')) || 0,
        costUsd: Number(pick('cost_usd', 'costUsd')) || 0,
        costUnknown: pick('cost_unknown', 'costUnknown') === true,
        latencyMs: Number(pick('latency_ms', 'latencyMs')) || 0,
        error: String(r.error || ''),
        instance: String(r.instance || ''),
        fresh: false,
      };
    }
  });
})();
