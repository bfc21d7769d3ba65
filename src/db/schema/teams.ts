import { sqliteTable, text, integer, real, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Teams of client keys: their limits apply on top of each member key's own (src/limits/). */
export const teams = sqliteTable('teams', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  /**
   * The name as uniqueness compares it (admin/team-name-key.ts: trimmed, NFC, lower case as
   * JavaScript folds it, which neither store's lower() does alike). Null until computed: rows older
   * than migration 0025 get it at start, and a team that already shared its name up to case with
   * an older one keeps null (both keep working; teamNamedLike in admin/team-name-key.ts computes
   * theirs when it compares).
   */
  nameKey: text('name_key'),
  /** JSON array of allowed model names (exact id, `provider/*`, group name, `*`); null: every model. */
  models: text('models', { mode: 'json' }).$type<string[]>(),
  budgetUsd: real('budget_usd'),
  /** `day`, `week`, `month` (UTC calendar periods) or `total`. */
  budgetPeriod: text('budget_period', { enum: ['day', 'week', 'month', 'total'] }).notNull().default('month'),
  rpm: integer('rpm'),
  tpm: integer('tpm'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
}, (t) => [uniqueIndex('teams_name_key_uq').on(t.nameKey)]);
