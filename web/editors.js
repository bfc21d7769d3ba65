// The inline editors' Alpine components: `editors` (which of a section's editors are open, and
// where the focus goes as one opens and closes) and `groupForm` (a group editor's strategy).
// Registered on alpine:init: this file loads before Alpine (deferred) starts.
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
})();
