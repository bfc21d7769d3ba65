/**
 * The one rule for every password a user gets (POST /api/users, a password change, and the first
 * admin's from LLM_PROXY__ADMIN__PASSWORD). Here, below auth/ and db/, so the seed can apply it.
 */
import { COMMON_PASSWORDS } from './common-passwords';

/** The first admin's password when LLM_PROXY__ADMIN__PASSWORD is unset (a change is forced at first sign-in). */
export const DEFAULT_ADMIN_PASSWORD = 'admin123';
export const MIN_PASSWORD_LENGTH = 12;

/**
 * Why a password is refused (too short, the well-known default, a common password, the username
 * itself case-insensitively, too long), or null: the one rule for every password a user gets.
 */
export function passwordPolicyProblem(password: string, username?: string): { message: string; code: 'weak_password' | 'invalid_request' } | null {
  if (password === DEFAULT_ADMIN_PASSWORD) return { message: 'The default password cannot be used; choose another.', code: 'weak_password' };
  if (password.length < MIN_PASSWORD_LENGTH) return { message: `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`, code: 'weak_password' };
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || /^(.)\1+$/.test(password)) return { message: 'This password is too common; choose another.', code: 'weak_password' };
  if (username && lower === username.toLowerCase()) return { message: 'The password must not be the username.', code: 'weak_password' };
  if (password.length > 1024) return { message: 'The password is too long (at most 1024 characters).', code: 'invalid_request' };
  return null;
}

/**
 * LLM_PROXY__ADMIN__PASSWORD becomes the first admin's password with no change asked at sign-in
 * (the operator chose it), so it must pass the rule every other password passes (POST /api/users,
 * a password change). Checked only when the admin is created, the one time the value is read: a
 * deployment whose database exists keeps starting whatever the variable holds. Null: accepted;
 * else why not (the seed stops the start with it).
 */
export function configuredAdminPasswordProblem(password: string): string | null {
  const problem = passwordPolicyProblem(password, 'admin');
  if (!problem) return null;
  return (
    `LLM_PROXY__ADMIN__PASSWORD is refused: ${problem.message} It becomes admin's password with no change asked at sign-in, ` +
    `so it must pass the dashboard's rule for every password (at least ${MIN_PASSWORD_LENGTH} characters, not a common one). ` +
    'Or leave it unset: admin / admin123, with a new password chosen at the first sign-in.'
  );
}
