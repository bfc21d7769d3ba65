import { eq } from 'drizzle-orm';
import { users } from '../db/schema';
import { ApiError, badRequest } from '../errors/api-error';
import type { AuthDeps, AuthUser } from './authenticate';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords';
import { passwordEpoch, sourceOf } from './throttle-keys';
import { createSession, deleteSession, deleteUserSessions, type IssuedSession, type SessionDeps } from './session-store';

/** Longest username and password a sign-in may send (POST /api/auth/login and the /login form). */
export const MAX_USERNAME_CHARS = 200;
export const MAX_PASSWORD_CHARS = 1024;

export interface LoginResult extends IssuedSession {
  user: AuthUser;
}

/** A wait as people say it: "40 seconds", "15 minutes" (not "898 seconds"). */
const waitText = (s: number) => (s > 90 ? `${Math.ceil(s / 60)} minutes` : `${s} seconds`);

const tooMany = (ms: number) => {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return new ApiError({ status: 429, message: `Too many failed sign-ins. Try again in ${waitText(s)}.`, type: 'rate_limit_error', code: 'login_throttled', headers: { 'retry-after': String(s) } });
};

/**
 * Checks a username and password and opens a session. Failures are throttled per (username,
 * client address) and per client address; the throttle is consulted before the password is even
 * verified.
 */
export async function login(deps: AuthDeps, username: string, password: string, address: string): Promise<LoginResult> {
  // The same bounds for the API and the dashboard form, checked before anything is remembered.
  if (username.length > MAX_USERNAME_CHARS || password.length > MAX_PASSWORD_CHARS)
    throw badRequest(`The username may have at most ${MAX_USERNAME_CHARS} characters and the password at most ${MAX_PASSWORD_CHARS}.`, username.length > MAX_USERNAME_CHARS ? 'username' : 'password');
  const rt = deps.auth;
  const [row] = await deps.db.select().from(users).where(eq(users.username, username));
  // Counted per (username, source) and per source: failures from one address cannot lock a user
  // out everywhere. The password epoch gives a new password (e.g. after --reset-admin) a fresh count.
  const source = sourceOf(address);
  const userKey = `u:${username.toLowerCase()}|${source}|${passwordEpoch(row?.passwordHash)}`;
  const addrKey = `a:${source}`;
  const wait = Math.max(rt.throttle.retryAfterMs(userKey, rt.perUser), rt.throttle.retryAfterMs(addrKey, rt.perAddress));
  if (wait > 0) throw tooMany(wait);
  const ok = await verifyPassword(password, row?.passwordHash ?? null);
  if (!row || !ok) {
    rt.throttle.fail(userKey, rt.perUser, source);
    rt.throttle.fail(addrKey, rt.perAddress);
    throw new ApiError({ status: 401, message: 'Wrong username or password.', type: 'authentication_error', code: 'invalid_credentials' });
  }
  // Only the user's counter resets: a success of one account must not buy an address more guesses.
  rt.throttle.clear(userKey);
  const issued = await createSession(deps, deps.secretBox, row);
  return { ...issued, user: { id: row.id, username: row.username, role: row.role, mustChangePassword: row.mustChangePassword } };
}

export async function logout(deps: SessionDeps, sessionId: string): Promise<void> {
  await deleteSession(deps, sessionId);
}

/**
 * Changes the caller's own password: every existing session (this one included) dies through
 * the token version bump, and a fresh session is returned so the caller stays signed in.
 */
export async function changePassword(deps: AuthDeps, userId: number, current: string, next: string): Promise<LoginResult> {
  const [row] = await deps.db.select().from(users).where(eq(users.id, userId));
  if (!row) throw new ApiError({ status: 401, message: 'The session user no longer exists.', type: 'authentication_error', code: 'invalid_session' });
  if (!(await verifyPassword(current, row.passwordHash)))
    throw badRequest('The current password is wrong.', 'current_password', 'invalid_password');
  checkPasswordPolicy(next, 'new_password', row.username);
  if (next === current) throw badRequest('The new password must differ from the current one.', 'new_password', 'weak_password');
  const tokenVersion = row.tokenVersion + 1;
  await deps.db
    .update(users)
    .set({ passwordHash: await hashPassword(next), mustChangePassword: false, tokenVersion })
    .where(eq(users.id, userId));
  await deleteUserSessions(deps, userId);
  const issued = await createSession(deps, deps.secretBox, { id: userId, tokenVersion });
  return { ...issued, user: { id: row.id, username: row.username, role: row.role, mustChangePassword: false } };
}
