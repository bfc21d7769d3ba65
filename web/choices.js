// Pickers over lists too long to render (src/dashboard/components/choices.tsx): a text input whose
// `list` is a <datalist data-choices="/teams/choices">. As the person types, the list is refilled
// from that endpoint (`?q=` prefix match, JSON), so it never holds more than a few names.
// Options are built with .value/.label, never innerHTML.
(function () {
  'use strict';

  var timers = new WeakMap();
  var latest = new WeakMap();

  function refill(input, list) {
    var q = input.value;
    var url = list.getAttribute('data-choices') + '?q=' + encodeURIComponent(q);
    latest.set(list, url);
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        // An answer overtaken by a later keystroke's is dropped.
        if (!body || !Array.isArray(body.data) || latest.get(list) !== url) return;
        var options = body.data.map(function (c) {
          var o = document.createElement('option');
          o.value = String(c.value);
          if (c.label) o.label = String(c.label);
          return o;
        });
        list.replaceChildren.apply(list, options);
      })
      .catch(function () { /* the list keeps what it had; a typed name still works */ });
  }

  document.addEventListener('input', function (ev) {
    var input = ev.target;
    if (!(input instanceof HTMLInputElement) || !input.list || !input.list.hasAttribute('data-choices')) return;
    // Picking a suggestion (no inputType in Chromium, insertReplacementText in Firefox) is a
    // choice made: say so with `change`, which a filter form reloads on.
    if (!ev.inputType || ev.inputType === 'insertReplacementText') {
      input.dispatchEvent(new Event('change', { bubbles: true }));
      return;
    }
    var list = input.list;
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(function () { refill(input, list); }, 120));
  });
})();
