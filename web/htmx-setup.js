// htmx's configuration and the answers it gets: which statuses are swapped, error pages and
// notices (the toast), a cancelled confirmation of a select's change, the Logs and Usage
// filters' address, Back/Forward to a page that now redirects or fails, and the sidebar's
// "active" link kept in step with htmx navigation. Runs before htmx (deferred) starts: the configuration is set on
// DOMContentLoaded, ahead of htmx's own listener.
(function () {
  'use strict';

  // ---- sidebar: keep "active" in step with HTMX navigation ---------------------------------
  function syncNav() {
    var page = document.querySelector('#main [data-page]');
    if (!page) return;
    var key = page.getAttribute('data-page');
    var links = document.querySelectorAll('.nav a[data-nav]');
    for (var i = 0; i < links.length; i++) links[i].classList.toggle('active', links[i].getAttribute('data-nav') === key);
  }
  // htmx:load bubbles, so listen on document now (see charts.js on htmx.onLoad()).
  document.addEventListener('htmx:load', syncNav);

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
    // The Logs and Usage filters leave blank fields out of the address: "/logs?status=error", not
    // "/logs?from=&to=&client=&provider=&model=&endpoint=&status=error", and "/?range=7d", not
    // "/?team=&range=7d" (the pager's own links are written so too, and the address is what an
    // operator copies to a colleague).
    document.body.addEventListener('htmx:configRequest', function (ev) {
      var d = ev.detail;
      if (!d || !(d.elt instanceof Element) || !d.elt.matches('form.filters, form.usage-filters') || !d.parameters) return;
      Object.keys(d.parameters).forEach(function (k) { if (d.parameters[k] === '') delete d.parameters[k]; });
    });
    // A form sent by its select's change (a user's role) and asking first: cancelled, the select
    // goes back to the value the page was drawn with. It kept the one picked, and the page said
    // "viewer" of an admin whose role nothing had changed.
    document.body.addEventListener('htmx:confirm', function (ev) {
      var d = ev.detail;
      if (!d || !d.question || !(d.elt instanceof HTMLFormElement) || d.elt.getAttribute('hx-trigger') !== 'change') return;
      ev.preventDefault();
      if (window.confirm(d.question)) d.issueRequest(true);
      else d.elt.reset();
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
    // Back/Forward to a page that now answers an error (its table broken, the store down, a log
    // row retention removed): htmx swaps nothing for a 4xx/5xx (and logs a console error), so the
    // address named that page while the one left stayed on screen. Load it whole instead: its
    // error page, in its status. htmx has set the request's onload when it asks this event.
    document.body.addEventListener('htmx:historyCacheMiss', function (ev) {
      var xhr = ev.detail && ev.detail.xhr;
      var restore = xhr && xhr.onload;
      if (typeof restore !== 'function') return;
      xhr.onload = function () {
        if (this.status >= 400) location.reload();
        else restore.apply(this, arguments);
      };
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
})();
