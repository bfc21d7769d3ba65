import type { Db } from '../db/client';
import { LoginThrottle, type ThrottleLimit } from './login-throttle';

/** A session as the guard sees it, joined with its user's current row. */
export interface CachedSession {
  sessionId: string;
  csrfToken: string;
  expiresAt: number;
  user: { id: number; username: string; role: 'admin' | 'viewer'; mustChangePassword: boolean; tokenVersion: number };
  cachedAt: number;
}

/** Per-database auth state: clock, session cache and login throttle. */
export interface AuthRuntime {
  /** Injectable clock (tests move it to expire sessions). */
  now: () => number;
  sessionTtlMs: number;
  /** Session rows are cached this long so /api does not read SQLite on every call. */
  cacheTtlMs: number;
  cache: Map<string, CachedSession>;
  throttle: LoginThrottle;
  perUser: ThrottleLimit;
  perAddress: ThrottleLimit;
  /** Told after this instance drops its cached sessions (change notices tell other instances). */
  onInvalidate?: () => void;
}

const runtimes = new WeakMap<Db, AuthRuntime>();

/**
 * Keyed by the database handle, so services that only get `db` can still drop cached sessions
 * after a change (and two apps in one test process never share state).
 */
export function authRuntime(db: Db): AuthRuntime {
  let rt = runtimes.get(db);
  if (!rt) {
    const clock = { now: () => Date.now() };
    rt = {
      get now() {
        return clock.now;
      },
      set now(fn: () => number) {
        clock.now = fn;
      },
      sessionTtlMs: 12 * 60 * 60 * 1000,
      cacheTtlMs: 5_000,
      cache: new Map(),
      throttle: new LoginThrottle(() => clock.now()),
      // A user is locked quickly; an address more loosely, since a reverse proxy may put many
      // users behind one address.
      perUser: { maxFailures: 5, windowMs: 15 * 60 * 1000 },
      perAddress: { maxFailures: 20, windowMs: 15 * 60 * 1000 },
    };
    runtimes.set(db, rt);
  }
  return rt;
}

/** Drops every cached session: called after any change to users or sessions. */
export function invalidateSessionCache(db: Db): void {
  const rt = authRuntime(db);
  rt.cache.clear();
  rt.onInvalidate?.();
}
