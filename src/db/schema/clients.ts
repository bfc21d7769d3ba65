import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

/** API clients of the gateway. The key itself is never stored: only its SHA-256 and a prefix. */
export const clients = sqliteTable('clients', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  keyHash: text('key_hash').notNull().unique(),
  /** First characters of the key, shown so an operator can tell keys apart. */
  keyPrefix: text('key_prefix').notNull(),
  revoked: integer('revoked', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at'),
});
