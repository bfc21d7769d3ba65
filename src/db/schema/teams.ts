import { sqliteTable, text, integer, real } from 'drizzle-orm/sqlite-core';

/** Teams of client keys: their limits apply on top of each member key's own (src/limits/). */
export const teams = sqliteTable('teams', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  /** JSON array of allowed model names (exact id, `provider/*`, group name, `*`); null: every model. */
  models: text('models', { mode: 'json' }).$type<string[]>(),
  budgetUsd: real('budget_usd'),
  /** `day`, `week`, `month` (UTC calendar periods) or `total`. */
  budgetPeriod: text('budget_period', { enum: ['day', 'week', 'month', 'total'] }).notNull().default('month'),
  rpm: integer('rpm'),
  tpm: integer('tpm'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
