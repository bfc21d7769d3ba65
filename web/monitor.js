// The live monitor's Alpine component, `monitor`: the rows of the log's recent requests, then the
// socket's events. Registered on alpine:init: this file loads before Alpine (deferred) starts.
(function () {
  'use strict';

  // src/dashboard/format.ts itself, served as /assets/format.js and loaded before this file.
  var format = window.GopherGateFormat;
  function compact(n) { return format.compactNumber(Number(n) || 0); }
  function usd(n) { return format.usd(Number(n) || 0); }
  function ms(n) { return format.duration(Number(n) || 0); }
  function utc(t) { return format.clockTime(Number(t) || 0, Date.now()); }
  // The rows the table shows at most, newest first.
  var MAX_ROWS = 200;
  // As the Logs detail names it ("chat (stream)"); plain chat left out, as the Logs list does.
  function endpointOf(r) {
    var endpoint = String(r.endpoint || 'chat');
    return endpoint === 'chat' && r.stream !== true ? '' : format.endpointLabel(endpoint, r.stream === true);
  }

  document.addEventListener('alpine:init', function () {
    var Alpine = window.Alpine;

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
          // Paused: every request counted, only the newest MAX_ROWS kept (all the table shows); it
          // kept them all, and a tab paused overnight on a busy gateway grew until it died.
          if (this.paused) {
            this.held.unshift(row);
            if (this.held.length > MAX_ROWS) this.held.pop();
            this.pending++;
            return;
          }
          this.add([row]);
        },
        add: function (rows) {
          var self = this;
          rows.forEach(function (r) { r.fresh = true; });
          this.rows = rows.concat(this.rows).slice(0, MAX_ROWS);
          // Through the reactive proxy, so the highlight fades.
          setTimeout(function () { self.rows.forEach(function (r) { if (r.fresh) r.fresh = false; }); }, 1500);
        },
        toggle: function () {
          this.paused = !this.paused;
          if (!this.paused && this.held.length) { this.add(this.held); this.held = []; this.pending = 0; }
        },
        clear: function () { this.rows = []; this.held = []; this.pending = 0; },
        time: utc, usd: usd, ms: ms, num: compact,
        // What ≈ before a row's tokens and cost says (the Logs page's ESTIMATED_NOTE).
        estimatedNote: 'Estimated: the provider sent no usage for this request (a stream cut short, or an answer without it), so the gateway counted the tokens itself',
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
        endpoint: endpointOf(r),
        route: String(r.route || ''),
        client: clientLabel(pick('client_id', 'clientId'), pick('client_name', 'clientName'), names),
        promptTokens: Number(pick('prompt_tokens', 'promptTokens')) || 0,
        completionTokens: Number(pick('completion_tokens', 'completionTokens')) || 0,
        costUsd: Number(pick('cost_usd', 'costUsd')) || 0,
        costUnknown: pick('cost_unknown', 'costUnknown') === true,
        estimated: r.estimated === true,
        latencyMs: Number(pick('latency_ms', 'latencyMs')) || 0,
        error: String(r.error || ''),
        instance: String(r.instance || ''),
        fresh: false,
      };
    }
  });
})();
