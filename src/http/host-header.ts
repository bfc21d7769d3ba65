import { Elysia } from 'elysia';
import { ApiError } from '../errors/api-error';

// host = reg-name (letters, digits, '-', '.', '_') or a bracketed IPv6 literal; optional :port.
const HOST_RE = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})?|\[[0-9A-Fa-f:.]{2,45}\])(?::([0-9]{1,5}))?$/;

/** True for a Host header that is a plain host[:port] (RFC 9110 §7.2), nothing else. */
export function isValidHost(host: string): boolean {
  const m = HOST_RE.exec(host);
  if (!m) return false;
  return m[1] === undefined || Number(m[1]) <= 65535;
}

export const invalidHost = () =>
  new ApiError({ status: 400, message: 'The Host header must be a valid host[:port].', type: 'invalid_request_error', code: 'invalid_host' });

/**
 * Why this exists: Bun builds `request.url` from the Host header. A Host holding '/' (or an
 * empty one) makes `request.url` a bare path, and then the path a guard reads is not the path
 * the router matched. Every request must therefore carry a plain host[:port] and an absolute
 * http(s) URL before any guard or route looks at it.
 */
export function hostIsValid(request: Request): boolean {
  const host = request.headers.get('host');
  // CONNECT's authority-form target (`CONNECT 127.0.0.1:443`) becomes request.url as it is, not
  // an http:// URL, whatever the Host: its URL is always checked (it was a 500 once the Host was cached).
  if (host !== null && host === lastGoodHost && request.method !== 'CONNECT') return true;
  if (host !== null && !isValidHost(host)) return false;
  const url = request.url;
  const ok = url.startsWith('http://') || url.startsWith('https://');
  if (ok && host !== null) lastGoodHost = host;
  return ok;
}

/**
 * The last Host that passed both checks. Both depend on the Host alone (Bun builds the URL's
 * origin from it) for every method but CONNECT, and a client sends the same one on every
 * request, so the next request with it skips the pattern and the `request.url` getter, which
 * builds a new string each time (BENCHMARKS.md, "Cutting the per-request cost"). A cache of a
 * pure function of one string, not per-app state.
 */
let lastGoodHost: string | null = null;

export function checkHost(request: Request): void {
  if (!hostIsValid(request)) throw invalidHost();
}

/** Refuses a bad Host header on every request that goes through Elysia (runs first: global onRequest). */
export const hostGuard = new Elysia({ name: 'host-guard' }).onRequest(({ request }) => checkHost(request));
