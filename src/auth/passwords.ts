import { badRequest } from '../errors/api-error';
import { passwordPolicyProblem } from '../security/password-policy';

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

/** passwordPolicyProblem as the API's 400 naming `param`. */
export function checkPasswordPolicy(password: string, param: string, username?: string): void {
  const problem = passwordPolicyProblem(password, username);
  if (problem) throw badRequest(problem.message, param, problem.code);
}
