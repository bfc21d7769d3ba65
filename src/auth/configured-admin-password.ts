import { ConfigError } from '../config/env-readers';
import { MIN_PASSWORD_LENGTH, passwordPolicyProblem } from './passwords';

/**
 * LLM_PROXY__ADMIN__PASSWORD becomes the first admin's password with no change asked at sign-in
 * (the operator chose it), so it must pass the rule every other password passes (POST /api/users,
 * a password change). Checked only when the admin is created, the one time the value is read: a
 * deployment whose database exists keeps starting whatever the variable holds.
 */
export function checkConfiguredAdminPassword(password: string): void {
  const problem = passwordPolicyProblem(password, 'admin');
  if (!problem) return;
  throw new ConfigError(
    `LLM_PROXY__ADMIN__PASSWORD is refused: ${problem.message} It becomes admin's password with no change asked at sign-in, ` +
      `so it must pass the dashboard's rule for every password (at least ${MIN_PASSWORD_LENGTH} characters, not a common one). ` +
      'Or leave it unset: admin / admin123, with a new password chosen at the first sign-in.',
  );
}
