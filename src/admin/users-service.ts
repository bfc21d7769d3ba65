import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { checkPasswordPolicy, hashPassword } from '../auth/passwords';
import { invalidateSessionCache } from '../auth/auth-runtime';
import { deleteUserSessions } from '../auth/session-store';
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

const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

function getRow(db: Db, id: number): Row {
  const row = db.select().from(users).where(eq(users.id, id)).get();
  if (!row) throw notFound(`No user with id ${id}.`, 'user_not_found', 'id');
  return row;
}

function otherAdmins(db: Db, id: number): number {
  return db.select({ n: sql<number>`count(*)` }).from(users).where(and(eq(users.role, 'admin'), ne(users.id, id))).get()!.n;
}

const lastAdmin = () => new ApiError(409, 'This is the last admin; make another user admin first.', 'invalid_request_error', 'last_admin');

export function listUsers(db: Db): UserView[] {
  return db.select().from(users).orderBy(asc(users.id)).all().map(view);
}

export function getUser(db: Db, id: number): UserView {
  return view(getRow(db, id));
}

/** A new user chooses their own password at first sign-in unless `mustChangePassword` is false. */
export async function createUser(db: Db, username: string, password: string, role: Role, mustChangePassword = false): Promise<UserView> {
  if (!USERNAME_RE.test(username))
    throw badRequest('Usernames are 1-64 letters, digits, dot, underscore, @ or hyphen, starting with a letter or digit.', 'username');
  checkPasswordPolicy(password, 'password', username);
  if (db.select({ id: users.id }).from(users).where(eq(users.username, username)).get())
    throw new ApiError(409, `The username '${username}' is taken.`, 'invalid_request_error', 'username_taken', 'username');
  const row = db
    .insert(users)
    .values({ username, passwordHash: await hashPassword(password), role, mustChangePassword, createdAt: Date.now() })
    .returning()
    .get();
  return view(row);
}

export function setRole(db: Db, id: number, role: Role): UserView {
  const row = getRow(db, id);
  if (row.role === 'admin' && role !== 'admin' && otherAdmins(db, id) === 0) throw lastAdmin();
  const updated = db.update(users).set({ role }).where(eq(users.id, id)).returning().get()!;
  invalidateSessionCache(db); // the new role applies to live sessions at once
  return view(updated);
}

/**
 * An admin sets a new password for someone: their sessions end, and by default they must pick
 * their own password at the next sign-in.
 */
export async function resetPassword(db: Db, id: number, password: string, mustChangePassword = true): Promise<UserView> {
  const row = getRow(db, id);
  checkPasswordPolicy(password, 'password', row.username);
  const updated = db
    .update(users)
    .set({ passwordHash: await hashPassword(password), mustChangePassword, tokenVersion: row.tokenVersion + 1 })
    .where(eq(users.id, id))
    .returning()
    .get()!;
  deleteUserSessions(db, id);
  return view(updated);
}

export function deleteUser(db: Db, id: number): void {
  const row = getRow(db, id);
  if (row.role === 'admin' && otherAdmins(db, id) === 0) throw lastAdmin();
  deleteUserSessions(db, id);
  db.delete(users).where(eq(users.id, id)).run();
  invalidateSessionCache(db);
}
