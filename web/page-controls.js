// Controls in the pages' content, by click and by keyboard: copy buttons, the Logs page's detail
// panel (its Close, and Escape), table rows that open something (Enter or Space), and <details>
// editors (Escape).
(function () {
  'use strict';

  document.addEventListener('click', function (ev) {
    var el = ev.target instanceof Element ? ev.target : null;
    if (!el || el.closest('[data-theme-toggle]')) return; // theme.js's
    var copy = el.closest('[data-copy]');
    if (copy) copyText(copy);
    // The log detail's Close: a link to /logs without JavaScript, closed in place with it.
    if (el.closest('[data-close-detail]') && closeLogDetail()) ev.preventDefault();
  });

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
    // Over plain HTTP to an address other than localhost (a LAN or VPN address) there is no
    // navigator.clipboard: copy the selected text the older way, and say so only when it worked.
    var fallback = function () {
      selectText(src);
      var copied = false;
      try { copied = document.execCommand('copy'); } catch (e) { copied = false; }
      if (copied) done();
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

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
  // editors do (the 'editors' component, editors.js), and the focus goes back to its summary.
  // After the log detail's handler above: an Escape that closed the panel is taken.
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape' || ev.defaultPrevented) return;
    var details = ev.target instanceof Element ? ev.target.closest('details[open]') : null;
    if (!details) return;
    details.open = false;
    var summary = details.querySelector('summary');
    if (summary) summary.focus();
  });
})();
