// The inline editors' Alpine components: `editors` (which of a section's editors are open, and
// where the focus goes as one opens and closes) and `groupForm` (a group editor's strategy).
// Registered on alpine:init: this file loads before Alpine (deferred) starts. Also: open editors
// and their typed input outlive a swap of their section (keepOpenEditors below).
(function () {
  'use strict';

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
            ev.preventDefault(); // an enclosing <details> stays open (page-controls.js's handler)
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
            return form && form.querySelector('input:not([type=hidden]):not([hidden]), select, textarea');
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
  });

  // A change answers with its whole section (the Teams and Clients pages: a create, a delete, a
  // revoke, another row's save), and every row came back closed: an editor open meanwhile lost
  // what was typed in it without a word. So before such a swap (a POST's) the open editors are
  // noted, but for the form whose save it is (that one closes on purpose), with the fields typed
  // in; after it each is opened again in its row's new copy and those fields refilled. Fields
  // not typed in show the row as it now is. A row gone with the swap (deleted) takes its editor.
  function keepOpenEditors() {
    var kept = null;
    document.addEventListener('htmx:beforeSwap', function (ev) {
      kept = null;
      var d = ev.detail || {};
      var cfg = d.requestConfig;
      var Alpine = window.Alpine;
      if (!Alpine || !d.shouldSwap || !cfg || String(cfg.verb).toLowerCase() !== 'post' || !(d.target instanceof Element)) return;
      var list = [];
      d.target.querySelectorAll('[x-data="editors"][id] form[data-editor]').forEach(function (form) {
        var root = form.closest('[x-data="editors"]');
        var name = form.getAttribute('data-editor');
        var state = Alpine.$data(root);
        if (form === cfg.elt || !state || !state.open || !state.open[name]) return;
        list.push({ id: root.id, name: name, fields: typedFields(form) });
      });
      if (list.length) kept = { xhr: d.xhr, list: list };
    });
    // Settled: the new rows are in place and Alpine has started their components.
    document.addEventListener('htmx:afterSettle', function (ev) {
      if (!kept || !ev.detail || ev.detail.xhr !== kept.xhr) return;
      var list = kept.list;
      kept = null;
      list.forEach(function (k) {
        var root = document.getElementById(k.id);
        var form = root && root.querySelector('form[data-editor="' + k.name + '"]');
        var state = form && window.Alpine.$data(root);
        if (!state || !state.open) return;
        refill(form, k.fields);
        // Opened without show(): the focus stays where the change left it.
        state.open[k.name] = true;
      });
    });
  }

  // The fields of a form that differ from what the page rendered: [key, value, checked].
  function typedFields(form) {
    var out = [];
    eachField(form, function (el, key) {
      var changed;
      if (el.type === 'checkbox' || el.type === 'radio') changed = el.checked !== el.defaultChecked;
      else if (el.tagName === 'SELECT') changed = el.selectedIndex !== renderedIndex(el);
      else changed = el.value !== el.defaultValue;
      if (changed) out.push([key, el.value, el.checked]);
    });
    return out;
  }

  function refill(form, fields) {
    var byKey = {};
    fields.forEach(function (f) { byKey[f[0]] = f; });
    eachField(form, function (el, key) {
      var f = byKey[key];
      if (!f) return;
      if (el.type === 'checkbox' || el.type === 'radio') el.checked = f[2];
      else el.value = f[1];
    });
  }

  // A form's named fields (hidden ones left out), each with a key that finds it in a new copy of
  // the form: its name and its place among the fields of that name (a radio: its value).
  function eachField(form, fn) {
    var seen = {};
    form.querySelectorAll('input[name], select[name], textarea[name]').forEach(function (el) {
      if (el.type === 'hidden') return;
      var n = seen[el.name] = (seen[el.name] || 0) + 1;
      fn(el, el.name + '\u0000' + (el.type === 'radio' ? el.value : n));
    });
  }

  // The option a <select> showed as rendered: the last marked selected, else the first.
  function renderedIndex(sel) {
    var at = 0;
    for (var i = 0; i < sel.options.length; i++) if (sel.options[i].defaultSelected) at = i;
    return at;
  }

  keepOpenEditors();
})();
