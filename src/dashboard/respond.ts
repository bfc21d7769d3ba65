import { SECURITY_HEADERS } from './security-headers';

/** True when HTMX asked for a request-scoped header (any value, case-insensitive names). */
const hx = (req: Request, name: string) => req.headers.get(name) === 'true';

export const isHtmx = (req: Request): boolean => hx(req, 'hx-request');

/**
 * A page answers with just its content when HTMX is swapping it into #main (sidebar links,
 * filters). History restores and swaps into <body> (login, logout, HX-Location after a
 * redirect) get the whole document, which HTMX unwraps to its <body>.
 */
export function wantsPartial(req: Request): boolean {
  return isHtmx(req) && !hx(req, 'hx-history-restore-request') && req.headers.get('hx-target') === 'main';
}

export function htmlResponse(body: string | Promise<string>, init: { status?: number; headers?: Record<string, string> } = {}): Response | Promise<Response> {
  if (typeof body !== 'string') return body.then((b) => htmlResponse(b, init) as Response);
  const doc = body.startsWith('<html') ? `<!doctype html>${body}` : body;
  return new Response(doc, {
    status: init.status ?? 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      // Pages show live numbers and per-user controls: never cache, vary on the HTMX headers.
      'cache-control': 'no-store',
      vary: 'HX-Request, HX-Target',
      ...SECURITY_HEADERS,
      ...init.headers,
    },
  });
}

/**
 * Redirect: a plain 303 for normal navigation; for HTMX an `HX-Location` that loads the page
 * into <body> without a full reload (a 3xx would be followed by XHR and swapped into the target).
 * A history restore (Back or Forward to a page whose session has ended) gets the 303 too: HTMX
 * ignores HX-Location there and swapped the empty answer into <body>, a blank page; the XHR
 * follows the 303, and web/htmx-setup.js loads the page it landed on.
 */
export function redirect(req: Request, path: string): Response {
  if (isHtmx(req) && !hx(req, 'hx-history-restore-request')) {
    return new Response(null, {
      status: 200,
      headers: { 'HX-Location': JSON.stringify({ path, target: 'body' }), ...SECURITY_HEADERS },
    });
  }
  return new Response(null, { status: 303, headers: { location: path, ...SECURITY_HEADERS } });
}
