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

interface ThrottleKeys {
  /** Per (username, source, password epoch). */
  user: string;
  /** Per source. */
  address: string;
  source: string;
}

/**
 * The counters a password guess is charged to. Sign-in and the password change share them, so a
 * guess costs the same whichever way it is made.
 */
function throttleKeys(username: string, address: string, passwordHash: string | null | undefined): ThrottleKeys {
  const source = sourceOf(address);
  return { user: `u:${username.toLowerCase()}|${source}|${passwordEpoch(passwordHash)}`, address: `a:${source}`, source };
}

/** Throws the 429 while either counter is full; consulted before any password is verified. */
function checkThrottle(deps: AuthDeps, keys: ThrottleKeys): void {
  const rt = deps.auth;
  const wait = Math.max(rt.throttle.retryAfterMs(keys.user, rt.perUser), rt.throttle.retryAfterMs(keys.address, rt.perAddress));
  if (wait > 0) throw tooMany(wait);
}

function countFailure(deps: AuthDeps, keys: ThrottleKeys): void {
  deps.auth.throttle.fail(keys.user, deps.auth.perUser, keys.source);
  deps.auth.throttle.fail(keys.address, deps.auth.perAddress);
}

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
  const keys = throttleKeys(username, address, row?.passwordHash);
  checkThrottle(deps, keys);
  const ok = await verifyPassword(password, row?.passwordHash ?? null);
  if (!row || !ok) {
    countFailure(deps, keys);
    throw new ApiError({ status: 401, message: 'Wrong username or password.', type: 'authentication_error', code: 'invalid_credentials' });
  }
  // Only the user's counter resets: a success of one account must not buy an address more guesses.
  rt.throttle.clear(keys.user);
  const issued = await createSession(deps, deps.secretBox, row);
  return { ...issued, user: { id: row.id, username: row.username, role: row.role, mustChangePassword: row.mustChangePassword } };
}

export async function logout(deps: SessionDeps, sessionId: string): Promise<void> {
  await deleteSession(deps, sessionId);
}

/**
 * Changes the caller's own password: every existing session (this one included) dies through
 * the token version bump, and a fresh session is returned so the caller stays signed in.
 * A wrong current password counts against the sign-in throttle of that user and `address`
 * (429 once it is full): a stolen session must not become an unthrottled password oracle.
 */
export async function changePassword(deps: AuthDeps, userId: number, current: string, next: string, address: string): Promise<LoginResult> {
  if (current.length > MAX_PASSWORD_CHARS) throw badRequest(`The current password may have at most ${MAX_PASSWORD_CHARS} characters.`, 'current_password');
  const [row] = await deps.db.select().from(users).where(eq(users.id, userId));
  if (!row) throw new ApiError({ status: 401, message: 'The session user no longer exists.', type: 'authentication_error', code: 'invalid_session' });
  const keys = throttleKeys(row.username, address, row.passwordHash);
  checkThrottle(deps, keys);
  if (!(await verifyPassword(current, row.passwordHash))) {
    countFailure(deps, keys);
    throw badRequest('The current password is wrong.', 'current_password', 'invalid_password');
  }
  deps.auth.throttle.clear(keys.user);
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
