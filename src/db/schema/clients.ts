import { sqliteTable, text, integer, real, index } from 'drizzle-orm/sqlite-core';

/** API clients of the gateway. The key itself is never stored: only its SHA-256 and a prefix. */
export const clients = sqliteTable('clients', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  /**
   * The name as the pickers match it (src/admin/team-name-key.ts: trimmed, NFC, lower case, computed
   * in JavaScript, not by the stores' lower(), which differ); null for a key made before it existed
   * until the next start fills it. Not unique: keys may share a name.
   */
  nameKey: text('name_key'),
  keyHash: text('key_hash').notNull().unique(),
  /** First characters of the key, shown so an operator can tell keys apart. */
  keyPrefix: text('key_prefix').notNull(),
  revoked: integer('revoked', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at'),
  /** Limits (src/limits/); null means none. A team's limits apply on top of these. */
  teamId: integer('team_id'),
  /** JSON array of allowed model names (exact id, `provider/*`, group name, `*`); null: every model. */
  models: text('models', { mode: 'json' }).$type<string[]>(),
  budgetUsd: real('budget_usd'),
  /** `day`, `week`, `month` (UTC calendar periods) or `total`. */
  budgetPeriod: text('budget_period', { enum: ['day', 'week', 'month', 'total'] }).notNull().default('month'),
  rpm: integer('rpm'),
  tpm: integer('tpm'),
  maxParallel: integer('max_parallel'),
  /** Epoch ms after which the key answers 401; null: never. */
  expiresAt: integer('expires_at'),
}, (t) => [index('clients_name_key_idx').on(t.nameKey)]);
