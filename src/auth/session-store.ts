import { eq, lt } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { isPgDb } from '../db/pg-translate';
import { sessions, users } from '../db/schema';
import type { AuthRuntime, CachedSession } from './auth-runtime';
import { encodeSessionToken, newSessionId, type SessionClaims } from './session-token';

/** What reads and ends sessions: the database and the app's auth runtime (`ctx` fits). */
export interface SessionDeps {
  db: Db;
  auth: AuthRuntime;
}

export interface IssuedSession {
  token: string;
  csrfToken: string;
  sessionId: string;
  expiresAt: number;
}

/** Stores a new session row and returns its signed token. Expired rows are swept on the way. */
export async function createSession({ db, auth: rt }: SessionDeps, box: SecretBox, user: { id: number; tokenVersion: number }): Promise<IssuedSession> {
  const now = rt.now();
  const sessionId = newSessionId();
  const csrfToken = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');
  const expiresAt = now + rt.sessionTtlMs;
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
  await db.insert(sessions).values({ id: sessionId, userId: user.id, csrfToken, createdAt: now, expiresAt });
  const token = encodeSessionToken(box, { sessionId, userId: user.id, tokenVersion: user.tokenVersion, expiresAt });
  return { token, csrfToken, sessionId, expiresAt };
}

function sessionQuery(db: Db, sessionId: string) {
  return db
    .select({
      sessionId: sessions.id, csrfToken: sessions.csrfToken, expiresAt: sessions.expiresAt,
      id: users.id, username: users.username, role: users.role, mustChangePassword: users.mustChangePassword, tokenVersion: users.tokenVersion,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sessionId));
}

function readSession(db: Db, sessionId: string, now: number): CachedSession | null {
  return sessionOf(sessionQuery(db, sessionId).get(), now);
}

function sessionOf(row: Awaited<ReturnType<typeof sessionQuery>>[number] | undefined, now: number): CachedSession | null {
  if (!row) return null;
  const { id, username, role, mustChangePassword, tokenVersion } = row;
  return {
    sessionId: row.sessionId, csrfToken: row.csrfToken, expiresAt: row.expiresAt,
    user: { id, username, role, mustChangePassword, tokenVersion }, cachedAt: now,
  };
}

/**
 * The live session behind verified claims, or null when it was logged out, expired, or its
 * user's password changed since (tokenVersion mismatch) or the user was deleted.
 */
export function lookupSession({ db, auth: rt }: SessionDeps, claims: SessionClaims): CachedSession | null {
  // Another process (`--reset-admin`) may have changed users or sessions: see AuthRuntime.outsideWrites.
  if (rt.outsideWrites?.()) rt.cache.clear();
  const now = rt.now();
  let s = rt.cache.get(claims.sessionId);
  if (!s || now - s.cachedAt > rt.cacheTtlMs || now < s.cachedAt) {
    rt.cache.delete(claims.sessionId);
    // On PostgreSQL reads are awaited: preloadSession (run by the guards before any handler) filled the cache.
    s = (isPgDb(db) ? null : readSession(db, claims.sessionId, now)) ?? undefined;
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

/** The cached session of this id while its cache entry is fresh (lookupSession uses it without a read). */
export function freshCachedSession(rt: AuthRuntime, sessionId: string): CachedSession | null {
  const now = rt.now();
  const s = rt.cache.get(sessionId);
  return s && now - s.cachedAt <= rt.cacheTtlMs && now >= s.cachedAt ? s : null;
}

/**
 * Makes lookupSession's answer available without waiting on a PostgreSQL store: reads the
 * session row (awaited) into the cache when it is missing or stale, and on every request while
 * no change notices (Redis) tell this instance of other instances' sign-outs, password changes,
 * role changes and deletions (the cache then still serves while PostgreSQL is unreachable).
 * No-op on SQLite.
 */
export async function preloadSession({ db, auth: rt }: SessionDeps, claims: SessionClaims): Promise<void> {
  if (!isPgDb(db)) return;
  if (rt.toldOfOutsideChanges && freshCachedSession(rt, claims.sessionId)) return;
  for (let attempt = 0; ; attempt++) {
    const generation = rt.cache.generation;
    const now = rt.now();
    const fresh = sessionOf((await sessionQuery(db, claims.sessionId))[0], now);
    // The cache was cleared while the row was read: the row may predate that logout or password
    // change and would keep the session alive here for the cache's 5 s. Read it again.
    if (rt.cache.generation !== generation && attempt < 3) continue;
    if (!fresh) return void rt.cache.delete(claims.sessionId);
    if (rt.cache.size > 5_000) rt.cache.clear();
    rt.cache.set(claims.sessionId, fresh);
    return;
  }
}

export async function deleteSession({ db, auth }: SessionDeps, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
  auth.invalidate();
}

/** Signs a user out everywhere (password change, reset, deletion). */
export async function deleteUserSessions({ db, auth }: SessionDeps, userId: number): Promise<void> {
  await db.delete(sessions).where(eq(sessions.userId, userId));
  auth.invalidate();
}
