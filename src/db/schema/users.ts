import { sql } from 'drizzle-orm';
import { sqliteTable, text, integer, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  /** Bun.password (argon2id) hash. */
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: ['admin', 'viewer'] }).notNull().default('viewer'),
  mustChangePassword: integer('must_change_password', { mode: 'boolean' }).notNull().default(false),
  /** Bumped on password change or logout-everywhere: signed tokens carry it, so old ones die. */
  tokenVersion: integer('token_version').notNull().default(0),
  createdAt: integer('created_at').notNull(),
  /**
   * 0 for every user but those that already shared a name up to case with an older user when
   * migration 0016 made names unique in any case: they keep their names (and sign in as before)
   * with their own id here, so the index below could be built; every new name must be free in any case.
   */
  usernameClash: integer('username_clash').notNull().default(0),
}, (t) => [uniqueIndex('users_username_lower_uq').on(sql`lower(${t.username})`, t.usernameClash)]);
