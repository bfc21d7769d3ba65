import type { SecretBox } from '../crypto/secret-box';
import type { Store } from '../db/store';
import { isStoreUnreachableError } from '../db/pg-store';
import { isPgDb } from '../db/pg-translate';
import { readSessionCookie } from './session-cookie';
import { freshCachedSession, lookupSession, preloadSession, type SessionDeps } from './session-store';
import { decodeSessionToken } from './session-token';
import { storeUnavailable } from './store-unavailable';

export type Role = 'admin' | 'viewer';

export interface AuthUser {
  id: number;
  username: string;
  role: Role;
  mustChangePassword: boolean;
}

/** Who is calling, through which session, and how the token arrived. */
export interface AuthResult {
  user: AuthUser;
  session: { id: string; csrfToken: string; expiresAt: number };
  /** Cookie-carried sessions are ambient credentials and need the CSRF header on mutations. */
  via: 'cookie' | 'bearer';
}

export interface AuthDeps extends SessionDeps {
  secretBox: SecretBox;
  /** When given, /api answers 503 while it is unreachable (PostgreSQL down). */
  store?: Pick<Store, 'reachable' | 'recheck'>;
}

// Per request, not per app: a Request belongs to one app, and its entry goes with it.
const memo = new WeakMap<Request, AuthResult | null>();
// Requests whose session row could not be read because the store (PostgreSQL) is unreachable.
const unreadable = new WeakSet<Request>();

/**
 * The bearer token: undefined without an `Authorization: Bearer` header, null for one that is
 * malformed. Another scheme (`Basic` from a reverse proxy that guards the dashboard with HTTP
 * auth and passes the browser's header on) is not ours: the cookie is looked at instead.
 */
export function bearerOf(request: Request): string | null | undefined {
  const h = request.headers.get('authorization');
  if (h === null || !/^[ \t]*bearer([ \t]|$)/i.test(h)) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(h);
  return m ? m[1]! : null;
}

/** Verifies a raw session token (signature, expiry, live row, token version). */
export function authenticateToken(deps: AuthDeps, token: string): Omit<AuthResult, 'via'> | null {
  const claims = decodeSessionToken(deps.secretBox, token, deps.auth.now());
  if (!claims) return null;
  const s = lookupSession(deps, claims);
  if (!s) return null;
  const { id, username, role, mustChangePassword } = s.user;
  return { user: { id, username, role, mustChangePassword }, session: { id: s.sessionId, csrfToken: s.csrfToken, expiresAt: s.expiresAt } };
}

/**
 * The dashboard session behind a request, or null. An `Authorization: Bearer` header, when
 * present, is the only credential looked at (a bad one does not fall back to the cookie). Memoised
 * per Request object, so guards and handlers may call it freely.
 * Throws the 503 `store_unavailable` when the request carries a signed session whose row could
 * not be read (PostgreSQL unreachable, prepareRequestAuth): the user may well be signed in, so
 * neither a 401 nor the sign-in page would be true.
 */
export function authenticateRequest(deps: AuthDeps, request: Request): AuthResult | null {
  if (memo.has(request)) return memo.get(request)!;
  if (unreadable.has(request)) throw storeUnavailable();
  const bearer = bearerOf(request);
  let result: AuthResult | null = null;
  if (bearer !== undefined) {
    const r = bearer ? authenticateToken(deps, bearer) : null;
    result = r && { ...r, via: 'bearer' };
  } else {
    const cookie = readSessionCookie(request);
    const r = cookie ? authenticateToken(deps, cookie) : null;
    result = r && { ...r, via: 'cookie' };
  }
  memo.set(request, result);
  return result;
}

/** Forget the memoised result (after login/logout changed who this request is). */
export function forgetRequestAuth(request: Request): void {
  memo.delete(request);
  unreadable.delete(request);
}

/**
 * Before the synchronous checks run: on a PostgreSQL store, reads the request's session row
 * (awaited) into the session cache so authenticateRequest finds it. No-op on SQLite.
 * With the store unreachable (known to be, or found so by this read) and the session not in
 * the cache, the request is marked: authenticateRequest then answers 503 instead of "no session".
 */
export async function prepareRequestAuth(deps: AuthDeps, request: Request): Promise<void> {
  if (memo.has(request)) return;
  unreadable.delete(request);
  const bearer = bearerOf(request);
  const token = bearer !== undefined ? bearer : readSessionCookie(request);
  if (!token) return;
  const claims = decodeSessionToken(deps.secretBox, token, deps.auth.now());
  if (!claims) return;
  if (deps.store?.reachable() === false) {
    if (isPgDb(deps.db) && !freshCachedSession(deps.auth, claims.sessionId)) unreadable.add(request);
    return;
  }
  try {
    await preloadSession(deps, claims);
  } catch (err) {
    if (!isStoreUnreachableError(err)) throw err;
    unreadable.add(request);
  }
}
