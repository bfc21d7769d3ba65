import type { Database } from 'bun:sqlite';
import { LoginThrottle, type ThrottleLimit } from './login-throttle';

/** A session as the guard sees it, joined with its user's current row. */
export interface CachedSession {
  sessionId: string;
  csrfToken: string;
  expiresAt: number;
  user: { id: number; username: string; role: 'admin' | 'viewer'; mustChangePassword: boolean; tokenVersion: number };
  cachedAt: number;
}

export interface AuthRuntimeOptions {
  /** The clock of sessions and the login throttle, epoch ms (tests pass one they move by hand). */
  now?: () => number;
  /** Counts failed sign-ins (default: in memory; several instances share it through Redis). */
  throttle?: (now: () => number) => LoginThrottle;
  /** The SQLite connection, to notice commits made by other connections (none on PostgreSQL). */
  sqlite?: Database;
}

/**
 * The session cache. `generation` moves at each clear(), so a read that began before a clear (a
 * logout, a password change, another instance's notice) can tell its row may be the one dropped.
 */
export class SessionCache extends Map<string, CachedSession> {
  generation = 0;

  override clear(): void {
    this.generation++;
    super.clear();
  }
}

/**
 * One app's auth state: its clock, the session cache and the login throttle. Built once by
 * createAppContext (`ctx.auth`) and handed to whatever reads or ends sessions.
 */
export class AuthRuntime {
  readonly now: () => number;
  readonly sessionTtlMs = 12 * 60 * 60 * 1000;
  /** Session rows are cached this long so /api does not read SQLite on every call. */
  readonly cacheTtlMs = 5_000;
  readonly cache = new SessionCache();
  readonly throttle: LoginThrottle;
  // A user is locked quickly; an address more loosely, since a reverse proxy may put many
  // users behind one address.
  readonly perUser: ThrottleLimit = { maxFailures: 5, windowMs: 15 * 60 * 1000 };
  readonly perAddress: ThrottleLimit = { maxFailures: 20, windowMs: 15 * 60 * 1000 };
  /** Told after this instance drops its cached sessions (change notices tell other instances). */
  onInvalidate?: () => void;
  /**
   * True once other instances' session changes reach this one (Redis change notices). Until then a
   * PostgreSQL store reads the session row on every request (preloadSession): another instance's
   * sign-out, password change, role change or deletion has no other way to clear this cache.
   */
  toldOfOutsideChanges = false;
  /** True once per commit made by another connection since the last call (null on PostgreSQL). */
  readonly outsideWrites: (() => boolean) | null;

  constructor(opts: AuthRuntimeOptions = {}) {
    this.now = opts.now ?? (() => Date.now());
    this.throttle = (opts.throttle ?? ((now) => new LoginThrottle(now)))(this.now);
    this.outsideWrites = opts.sqlite ? dataVersionWatch(opts.sqlite) : null;
  }

  private readonly endListeners: (() => void)[] = [];

  /**
   * Told whenever sessions may have ended: a change here (invalidate) or another instance's
   * notice (dropSessions). The live monitor re-checks its sockets then.
   */
  onSessionsEnded(listener: () => void): void {
    this.endListeners.push(listener);
  }

  /** Drops every cached session: called after any change to users or sessions. */
  invalidate(): void {
    this.dropSessions();
    this.onInvalidate?.();
  }

  /** Drops every cached session without telling other instances (a change they told us of). */
  dropSessions(): void {
    this.cache.clear();
    for (const l of this.endListeners) l();
  }
}

/**
 * SQLite's data_version moves when another connection commits (no table is read). That is how
 * `--reset-admin`, run as a separate process against the live server, ends the cached sessions
 * at once instead of within the cache's 5 s. This connection's own writes go through
 * AuthRuntime.invalidate instead. PostgreSQL has no data_version: other instances' writes reach
 * the cache within its 5 s (or at once through Redis change notices).
 */
function dataVersionWatch(sqlite: Database): () => boolean {
  const stmt = sqlite.prepare('PRAGMA data_version');
  const query = () => (stmt.get() as { data_version: number }).data_version;
  let seen = query();
  return () => {
    const v = query();
    if (v === seen) return false;
    seen = v;
    return true;
  };
}
