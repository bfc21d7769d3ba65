// The dashboard's theme: the saved choice wins, else the OS preference (handled in CSS). Loaded
// first of the dashboard's scripts, in <head> without defer, so the saved theme applies before
// first paint. A toggle tells the page with a `gg:theme-change` event on document (charts.js
// redraws in the new colours).
(function () {
  'use strict';
  var root = document.documentElement;
  var THEME_KEY = 'gg-theme';

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
    var toggle = el && el.closest('[data-theme-toggle]');
    if (!toggle) return;
    var next = currentTheme() === 'dark' ? 'light' : 'dark';
    applyTheme(next);
    try { localStorage.setItem(THEME_KEY, next); } catch (e) { /* private mode: not remembered */ }
    document.dispatchEvent(new CustomEvent('gg:theme-change'));
  });
})();
