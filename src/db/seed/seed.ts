import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { modelGroups, models, providers, users } from '../schema';
import { PROVIDER_IDS } from '../../providers/types';
import { seedModelRows } from './model-prices';
import { seedGroupRows } from './model-groups';
import { ConfigError } from '../../config/env-readers';
import { configuredAdminPasswordProblem, DEFAULT_ADMIN_PASSWORD } from '../../security/password-policy';

/**
 * First-start data. Idempotent: every insert skips rows that exist, so a second start (or an
 * operator's edits) changes nothing.
 */
export function seedDatabase(db: Db, opts: { adminPassword?: string; now?: number } = {}): { adminCreated: boolean } {
  const now = opts.now ?? Date.now();
  let adminCreated = false;
  db.transaction((tx) => {
    const anyUser = tx.select({ id: users.id }).from(users).limit(1).all();
    if (anyUser.length === 0) {
      if (opts.adminPassword !== undefined) refuseWeakAdminPassword(opts.adminPassword);
      tx.insert(users)
        .values({
          username: 'admin',
          passwordHash: Bun.password.hashSync(opts.adminPassword ?? DEFAULT_ADMIN_PASSWORD, 'argon2id'),
          role: 'admin',
          // A password chosen by the operator needs no change; the well-known default does.
          mustChangePassword: !opts.adminPassword,
          createdAt: now,
        })
        .run();
      adminCreated = true;
    }
    // Provider rows start empty (null = "use the environment"), so env settings apply until edited.
    tx.insert(providers)
      .values(PROVIDER_IDS.map((id) => ({ id, updatedAt: now })))
      .onConflictDoNothing()
      .run();
    const modelRows = seedModelRows(now);
    if (modelRows.length) tx.insert(models).values(modelRows).onConflictDoNothing().run();
    const groupRows = seedGroupRows(now);
    if (groupRows.length) tx.insert(modelGroups).values(groupRows).onConflictDoNothing().run();
  }, { behavior: 'immediate' }); // the write lock first: busy_timeout waits out another writer instead of SQLITE_BUSY
  return { adminCreated };
}

/** What `--reset-admin` did, to whom (`admin`, or the name it has in another case). */
export interface ResetAdminResult {
  what: 'reset' | 'created';
  username: string;
}

/**
 * The user `--reset-admin` resets: `admin`, else one named so in another case (`Admin`), since
 * usernames are unique in any case and `admin` could not be created beside it.
 */
const adminUser = (db: Db) =>
  db
    .select({ id: users.id, username: users.username, tokenVersion: users.tokenVersion })
    .from(users)
    .where(sql`lower(${users.username}) = 'admin'`)
    .orderBy(sql`${users.username} <> 'admin'`, users.id)
    .limit(1);

/** `--reset-admin`: admin gets the default password back, with a change forced at next login. */
export function resetAdmin(db: Db, now = Date.now()): ResetAdminResult {
  const hash = Bun.password.hashSync(DEFAULT_ADMIN_PASSWORD, 'argon2id');
  const existing = adminUser(db).get();
  if (existing) {
    db.update(users)
      .set({ passwordHash: hash, role: 'admin', mustChangePassword: true, tokenVersion: existing.tokenVersion + 1 })
      .where(eq(users.id, existing.id))
      .run();
    return { what: 'reset', username: existing.username };
  }
  db.insert(users).values({ username: 'admin', passwordHash: hash, role: 'admin', mustChangePassword: true, createdAt: now }).run();
  return { what: 'created', username: 'admin' };
}

/**
 * seedDatabase for a store that is awaited (PostgreSQL). No transaction: it runs under the
 * migration advisory lock (src/db/pg-store.ts), so instances starting at once seed one by one,
 * and every insert skips rows that exist.
 */
export async function seedDatabaseAsync(db: Db, opts: { adminPassword?: string; now?: number } = {}): Promise<{ adminCreated: boolean }> {
  const now = opts.now ?? Date.now();
  let adminCreated = false;
  if ((await db.select({ id: users.id }).from(users).limit(1)).length === 0) {
    if (opts.adminPassword !== undefined) refuseWeakAdminPassword(opts.adminPassword);
    await db
      .insert(users)
      .values({
        username: 'admin',
        passwordHash: await Bun.password.hash(opts.adminPassword ?? DEFAULT_ADMIN_PASSWORD, 'argon2id'),
        role: 'admin',
        mustChangePassword: !opts.adminPassword,
        createdAt: now,
      })
      .onConflictDoNothing();
    adminCreated = true;
  }
  await db.insert(providers).values(PROVIDER_IDS.map((id) => ({ id, updatedAt: now }))).onConflictDoNothing();
  const modelRows = seedModelRows(now);
  if (modelRows.length) await db.insert(models).values(modelRows).onConflictDoNothing();
  const groupRows = seedGroupRows(now);
  if (groupRows.length) await db.insert(modelGroups).values(groupRows).onConflictDoNothing();
  return { adminCreated };
}

/** resetAdmin for a store that is awaited (PostgreSQL). */
export async function resetAdminAsync(db: Db, now = Date.now()): Promise<ResetAdminResult> {
  const hash = await Bun.password.hash(DEFAULT_ADMIN_PASSWORD, 'argon2id');
  const [existing] = await adminUser(db);
  if (existing) {
    await db
      .update(users)
      .set({ passwordHash: hash, role: 'admin', mustChangePassword: true, tokenVersion: existing.tokenVersion + 1 })
      .where(eq(users.id, existing.id));
    return { what: 'reset', username: existing.username };
  }
  await db.insert(users).values({ username: 'admin', passwordHash: hash, role: 'admin', mustChangePassword: true, createdAt: now });
  return { what: 'created', username: 'admin' };
}

/** A configured first admin password that fails the password rule stops the start (src/security/password-policy.ts). */
function refuseWeakAdminPassword(password: string): void {
  const why = configuredAdminPasswordProblem(password);
  if (why) throw new ConfigError(why);
}
