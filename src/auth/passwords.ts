import { badRequest } from '../errors/api-error';
import { DEFAULT_ADMIN_PASSWORD } from '../db/seed/seed';
import { COMMON_PASSWORDS } from './common-passwords';

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
 * Refuses passwords that are too short, the well-known default, a common password, or the
 * username itself (case-insensitively). Throws 400 naming `param`.
 */
export function checkPasswordPolicy(password: string, param: string, username?: string): void {
  if (password === DEFAULT_ADMIN_PASSWORD)
    throw badRequest('The default password cannot be used; choose another.', param, 'weak_password');
  if (password.length < MIN_PASSWORD_LENGTH)
    throw badRequest(`The password must be at least ${MIN_PASSWORD_LENGTH} characters.`, param, 'weak_password');
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || /^(.)\1+$/.test(password))
    throw badRequest('This password is too common; choose another.', param, 'weak_password');
  if (username && lower === username.toLowerCase())
    throw badRequest('The password must not be the username.', param, 'weak_password');
  if (password.length > 1024) throw badRequest('The password is too long (at most 1024 characters).', param, 'invalid_request');
}
