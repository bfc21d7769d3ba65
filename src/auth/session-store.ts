import type { Database } from 'bun:sqlite';
import { eq, lt } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { sessions, users } from '../db/schema';
import { authRuntime, invalidateSessionCache, type CachedSession } from './auth-runtime';
import { encodeSessionToken, newSessionId, type SessionClaims } from './session-token';

export interface IssuedSession {
  token: string;
  csrfToken: string;
  sessionId: string;
  expiresAt: number;
}

/** Stores a new session row and returns its signed token. Expired rows are swept on the way. */
export function createSession(db: Db, box: SecretBox, user: { id: number; tokenVersion: number }): IssuedSession {
  const rt = authRuntime(db);
  const now = rt.now();
  const sessionId = newSessionId();
  const csrfToken = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');
  const expiresAt = now + rt.sessionTtlMs;
  db.delete(sessions).where(lt(sessions.expiresAt, now)).run();
  db.insert(sessions).values({ id: sessionId, userId: user.id, csrfToken, createdAt: now, expiresAt }).run();
  const token = encodeSessionToken(box, { sessionId, userId: user.id, tokenVersion: user.tokenVersion, expiresAt });
  return { token, csrfToken, sessionId, expiresAt };
}

function readSession(db: Db, sessionId: string, now: number): CachedSession | null {
  const row = db
    .select({
      sessionId: sessions.id, csrfToken: sessions.csrfToken, expiresAt: sessions.expiresAt,
      id: users.id, username: users.username, role: users.role, mustChangePassword: users.mustChangePassword, tokenVersion: users.tokenVersion,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sessionId))
    .get();
  if (!row) return null;
  const { id, username, role, mustChangePassword, tokenVersion } = row;
  return {
    sessionId: row.sessionId, csrfToken: row.csrfToken, expiresAt: row.expiresAt,
    user: { id, username, role, mustChangePassword, tokenVersion }, cachedAt: now,
  };
}

const watchers = new WeakMap<Db, { query: () => number; seen: number }>();

/**
 * Empties the session cache when another connection committed since the last look (SQLite's
 * data_version; no table is read). That is how `--reset-admin`, run as a separate process
 * against the live server, ends the cached sessions at once instead of within the cache's 5 s.
 * This connection's own writes go through invalidateSessionCache instead.
 */
function dropCacheOnOutsideWrites(db: Db): void {
  let w = watchers.get(db);
  if (!w) {
    const stmt = (db as unknown as { $client: Database }).$client.prepare('PRAGMA data_version');
    const query = () => (stmt.get() as { data_version: number }).data_version;
    watchers.set(db, (w = { query, seen: query() }));
    return;
  }
  const v = w.query();
  if (v !== w.seen) {
    w.seen = v;
    authRuntime(db).cache.clear();
  }
}

/**
 * The live session behind verified claims, or null when it was logged out, expired, or its
 * user's password changed since (tokenVersion mismatch) or the user was deleted.
 */
export function lookupSession(db: Db, claims: SessionClaims): CachedSession | null {
  const rt = authRuntime(db);
  dropCacheOnOutsideWrites(db);
  const now = rt.now();
  let s = rt.cache.get(claims.sessionId);
  if (!s || now - s.cachedAt > rt.cacheTtlMs || now < s.cachedAt) {
    rt.cache.delete(claims.sessionId);
    s = readSession(db, claims.sessionId, now) ?? undefined;
    if (s) {
      if (rt.cache.size > 5_000) rt.cache.clear();
      rt.cache.set(claims.sessionId, s);
    }
  }
  if (!s) return null;
  if (s.user.id !== claims.userId || s.user.tokenVersion !== claims.tokenVersion) return null;
  if (s.expiresAt <= now || s.expiresAt !== claims.expiresAt) return null;
  return s;
}

export function deleteSession(db: Db, sessionId: string): void {
  db.delete(sessions).where(eq(sessions.id, sessionId)).run();
  invalidateSessionCache(db);
}

/** Signs a user out everywhere (password change, reset, deletion). */
export function deleteUserSessions(db: Db, userId: number): void {
  db.delete(sessions).where(eq(sessions.userId, userId)).run();
  invalidateSessionCache(db);
}
