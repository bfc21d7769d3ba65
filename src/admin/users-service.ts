import { orConflict } from '../db/unique-violation';
import { and, asc, eq, ne, sql, type SQL } from 'drizzle-orm';
import { isPgDb } from '../db/pg-translate';
import { checkPasswordPolicy, hashPassword } from '../auth/passwords';
import { deleteUserSessions, type SessionDeps } from '../auth/session-store';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import { ApiError, badRequest, notFound } from '../errors/api-error';

export type Role = 'admin' | 'viewer';

export interface UserView {
  id: number;
  username: string;
  role: Role;
  must_change_password: boolean;
  created_at: number;
}

type Row = typeof users.$inferSelect;
const view = (r: Row): UserView => ({
  id: r.id, username: r.username, role: r.role, must_change_password: r.mustChangePassword, created_at: r.createdAt,
});

/** What a new username may be (the body schema of POST /api/users documents it). */
export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';
export const USERNAME_RULE = 'Usernames are 1-64 letters, digits, dot, underscore, @ or hyphen, starting with a letter or digit.';
const USERNAME_RE = new RegExp(USERNAME_PATTERN);

async function getRow(db: Db, id: number): Promise<Row> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  if (!row) throw notFound(`No user with id ${id}.`, 'user_not_found', 'id');
  return row;
}

async function otherAdmins(db: Db, id: number): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(users).where(and(eq(users.role, 'admin'), ne(users.id, id)));
  return row!.n;
}

const lastAdmin = () => new ApiError({ status: 409, message: 'This is the last admin; make another user admin first.', code: 'last_admin' });

/**
 * Runs `change` (an UPDATE or DELETE of the users table, without its WHERE) on user `id` only
 * while an admin other than `id` remains, checked and done in one statement; false when nothing
 * was changed. Two admins removing each other at once must not both pass a check made before
 * either wrote: on PostgreSQL (separate connections, READ COMMITTED) the statement locks every
 * admin row first (FOR UPDATE, in id order), so the second waits for the first and then counts
 * the admins as the first left them; SQLite runs one statement at a time.
 */
async function whileAnotherAdmin(db: Db, id: number, change: SQL): Promise<boolean> {
  if (isPgDb(db)) {
    const rows = await (db as unknown as { execute(q: SQL): Promise<unknown[]> }).execute(
      sql`WITH admins AS (SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE) ${change} WHERE id = ${id} AND (SELECT count(*) FROM admins WHERE id <> ${id}) > 0 RETURNING id`,
    );
    return rows.length > 0;
  }
  return db.all(sql`${change} WHERE id = ${id} AND (SELECT count(*) FROM users WHERE role = 'admin' AND id <> ${id}) > 0 RETURNING id`).length > 0;
}

export async function listUsers(db: Db): Promise<UserView[]> {
  return (await db.select().from(users).orderBy(asc(users.id))).map(view);
}

export async function getUser(db: Db, id: number): Promise<UserView> {
  return view(await getRow(db, id));
}

/** A new user chooses their own password at first sign-in unless `mustChangePassword` is false. */
export async function createUser(db: Db, username: string, password: string, role: Role, mustChangePassword = false): Promise<UserView> {
  if (!USERNAME_RE.test(username))
    throw badRequest(USERNAME_RULE, 'username');
  checkPasswordPolicy(password, 'password', username);
  // Taken in any case: sign-in throttling counts 'Vera' and 'vera' as one name, and people would too.
  const taken = () => new ApiError({ status: 409, message: `The username '${username}' is taken.`, code: 'username_taken', param: 'username' });
  if ((await db.select({ id: users.id }).from(users).where(sql`lower(${users.username}) = ${username.toLowerCase()}`)).length) throw taken();
  const passwordHash = await hashPassword(password);
  const [row] = await orConflict(db.insert(users).values({ username, passwordHash, role, mustChangePassword, createdAt: Date.now() }).returning(), taken);
  return view(row!);
}

export async function setRole(deps: SessionDeps, id: number, role: Role): Promise<UserView> {
  const { db } = deps;
  await getRow(db, id);
  if (role === 'admin') await db.update(users).set({ role }).where(eq(users.id, id));
  else if (!(await whileAnotherAdmin(db, id, sql`UPDATE users SET role = ${role}`))) {
    await getRow(db, id); // deleted meanwhile: 404
    throw lastAdmin();
  }
  deps.auth.invalidate(); // the new role applies to live sessions at once
  return getUser(db, id);
}

/**
 * An admin sets a new password for someone: their sessions end, and by default they must pick
 * their own password at the next sign-in.
 */
export async function resetPassword(deps: SessionDeps, id: number, password: string, mustChangePassword = true): Promise<UserView> {
  const { db } = deps;
  const row = await getRow(db, id);
  checkPasswordPolicy(password, 'password', row.username);
  const [updated] = await db
    .update(users)
    .set({ passwordHash: await hashPassword(password), mustChangePassword, tokenVersion: row.tokenVersion + 1 })
    .where(eq(users.id, id))
    .returning();
  await deleteUserSessions(deps, id);
  return view(updated!);
}

/**
 * PATCH /api/users/{id}: a role and/or a password reset, all or nothing. Every check (the user
 * exists, the password policy, the last admin) runs before anything is written, so a refused
 * call leaves the user as it was. `mustChangePassword` qualifies a reset and is refused alone.
 */
export async function updateUser(deps: SessionDeps, id: number, change: { role?: Role; password?: string; mustChangePassword?: boolean }): Promise<UserView> {
  const { db } = deps;
  const row = await getRow(db, id);
  if (change.mustChangePassword !== undefined && change.password === undefined)
    throw badRequest("'must_change_password' goes with 'password' (a reset); send both.", 'must_change_password');
  if (change.password !== undefined) checkPasswordPolicy(change.password, 'password', row.username);
  if (change.role !== undefined && row.role === 'admin' && change.role !== 'admin' && (await otherAdmins(db, id)) === 0) throw lastAdmin();
  if (change.role !== undefined) await setRole(deps, id, change.role);
  if (change.password !== undefined) await resetPassword(deps, id, change.password, change.mustChangePassword ?? true);
  return getUser(db, id);
}

export async function deleteUser(deps: SessionDeps, id: number): Promise<void> {
  const { db } = deps;
  await getRow(db, id);
  if (!(await whileAnotherAdmin(db, id, sql`DELETE FROM users`))) {
    await getRow(db, id); // deleted meanwhile: 404
    throw lastAdmin();
  }
  await deleteUserSessions(deps, id); // gone with the user (ON DELETE CASCADE); this also drops cached sessions
}
