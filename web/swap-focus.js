// Where the focus goes after htmx swaps: the log detail's heading, a page's heading, a saved
// editor's opener, the nearest container of a control that went with its swap, and a refused
// save's field (marked aria-invalid, its message under it). Handlers on <body>, added on
// DOMContentLoaded.
(function () {
  'use strict';

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

  document.addEventListener('DOMContentLoaded', function () {
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
  });
})();
