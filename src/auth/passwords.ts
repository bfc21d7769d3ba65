import { badRequest } from '../errors/api-error';
import { COMMON_PASSWORDS } from './common-passwords';

/** The first admin's password when LLM_PROXY__ADMIN__PASSWORD is unset (a change is forced at first sign-in). */
export const DEFAULT_ADMIN_PASSWORD = 'admin123';
export const MIN_PASSWORD_LENGTH = 12;
// Verified against when the username does not exist, so a miss costs as long as a wrong password.
// Made on first use: an argon2id hash at import cost every start ~0.1 s and 64 MiB of peak RSS.
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= Bun.password.hash('gophergate-no-such-user', 'argon2id'));

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, 'argon2id');
}

export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  try {
    const ok = await Bun.password.verify(password, hash ?? (await dummy()));
    return ok && hash !== null;
  } catch {
    return false; // a malformed stored hash never lets anyone in
  }
}

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

/** passwordPolicyProblem as the API's 400 naming `param`. */
export function checkPasswordPolicy(password: string, param: string, username?: string): void {
  const problem = passwordPolicyProblem(password, username);
  if (problem) throw badRequest(problem.message, param, problem.code);
}
