import { eq } from 'drizzle-orm';
import { verifyPassword } from '../auth/passwords';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import { DEFAULT_ADMIN_PASSWORD } from '../security/password-policy';

/**
 * The start-up line that tells a fresh install how to sign in (the listening line alone leaves a
 * new user to find it in the README): printed while `admin` still has the default password and
 * must change it (a first start without LLM_PROXY__ADMIN__PASSWORD, or after --reset-admin).
 * `dashboardUrl`: where this machine reaches the dashboard. `passwordConfigured`: LLM_PROXY__ADMIN__PASSWORD
 * is set, yet admin has the default one (the database was made without it, or reset since): the line
 * says why that setting is not the password, which an operator who set it would otherwise try first.
 */
export async function signInHint(db: Db, dashboardUrl: string, passwordConfigured = false): Promise<string | null> {
  const [admin] = await db.select({ hash: users.passwordHash, mustChange: users.mustChangePassword }).from(users).where(eq(users.username, 'admin'));
  if (!admin?.mustChange || !(await verifyPassword(DEFAULT_ADMIN_PASSWORD, admin.hash))) return null;
  const why = passwordConfigured
    ? ' (LLM_PROXY__ADMIN__PASSWORD is read only when the database is first created, and this one was created without it or reset since)'
    : '';
  return `gophergate: sign in at ${dashboardUrl} as admin / ${DEFAULT_ADMIN_PASSWORD}; you will be asked to choose a new password${why}`;
}
