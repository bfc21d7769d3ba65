import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import { ApiError, badRequest } from '../errors/api-error';
import { authRuntime, invalidateSessionCache } from './auth-runtime';
import type { AuthDeps, AuthUser } from './authenticate';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords';
import { createSession, deleteSession, deleteUserSessions, type IssuedSession } from './session-store';

export interface LoginResult extends IssuedSession {
  user: AuthUser;
}

const tooMany = (ms: number) => {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return new ApiError(429, `Too many failed sign-ins. Try again in ${s} seconds.`, 'rate_limit_error', 'login_throttled', null, { 'retry-after': String(s) });
};

/**
 * Checks a username and password and opens a session. Failures are throttled per username and
 * per client address; the throttle is consulted before the password is even verified.
 */
export async function login(deps: AuthDeps, username: string, password: string, address: string): Promise<LoginResult> {
  const rt = authRuntime(deps.db);
  const userKey = `u:${username.toLowerCase()}`;
  const addrKey = `a:${address}`;
  const wait = Math.max(rt.throttle.retryAfterMs(userKey, rt.perUser), rt.throttle.retryAfterMs(addrKey, rt.perAddress));
  if (wait > 0) throw tooMany(wait);
  const [row] = await deps.db.select().from(users).where(eq(users.username, username));
  const ok = await verifyPassword(password, row?.passwordHash ?? null);
  if (!row || !ok) {
    rt.throttle.fail(userKey, rt.perUser);
    rt.throttle.fail(addrKey, rt.perAddress);
    throw new ApiError(401, 'Wrong username or password.', 'authentication_error', 'invalid_credentials');
  }
  // Only the user's counter resets: a success of one account must not buy an address more guesses.
  rt.throttle.clear(userKey);
  const issued = await createSession(deps.db, deps.secretBox, row);
  return { ...issued, user: { id: row.id, username: row.username, role: row.role, mustChangePassword: row.mustChangePassword } };
}

export async function logout(db: Db, sessionId: string): Promise<void> {
  await deleteSession(db, sessionId);
}

/**
 * Changes the caller's own password: every existing session (this one included) dies through
 * the token version bump, and a fresh session is returned so the caller stays signed in.
 */
export async function changePassword(deps: AuthDeps, userId: number, current: string, next: string): Promise<LoginResult> {
  const [row] = await deps.db.select().from(users).where(eq(users.id, userId));
  if (!row) throw new ApiError(401, 'The session user no longer exists.', 'authentication_error', 'invalid_session');
  if (!(await verifyPassword(current, row.passwordHash)))
    throw badRequest('The current password is wrong.', 'current_password', 'invalid_password');
  checkPasswordPolicy(next, 'new_password');
  if (next === current) throw badRequest('The new password must differ from the current one.', 'new_password', 'weak_password');
  const tokenVersion = row.tokenVersion + 1;
  await deps.db
    .update(users)
    .set({ passwordHash: await hashPassword(next), mustChangePassword: false, tokenVersion })
    .where(eq(users.id, userId));
  await deleteUserSessions(deps.db, userId);
  invalidateSessionCache(deps.db);
  const issued = await createSession(deps.db, deps.secretBox, { id: userId, tokenVersion });
  return { ...issued, user: { id: row.id, username: row.username, role: row.role, mustChangePassword: false } };
}
