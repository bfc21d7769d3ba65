/**
 * Headers for every dashboard response.
 *
 * CSP choice: only the gateway's own files may run (`script-src 'self'`, no inline scripts
 * anywhere — page data travels in data-* attributes read by the scripts in web/). `'unsafe-eval'`
 * is there because Alpine's standard build compiles x-data/x-text expressions with `new Function`
 * and the CSP build (@alpinejs/csp) is not a dependency; we keep Alpine expressions to names of
 * components registered in web/editors.js and web/monitor.js, so eval never sees user text.
 * `style-src` allows inline styles because htmx injects its indicator style and Chart.js sets
 * canvas sizes inline.
 * `connect-src 'self'` covers the monitor WebSocket (same origin; CSP3 browsers map ws: to it).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};
