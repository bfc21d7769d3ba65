import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

/** Named groups that route to a concrete model (targets may be other groups). */
export const modelGroups = sqliteTable('model_groups', {
  name: text('name').primaryKey(),
  strategy: text('strategy', { enum: ['heuristic', 'classifier'] }).notNull(),
  /** JSON array of model ids or group names, in order (weakest/fastest first). */
  targets: text('targets', { mode: 'json' }).$type<string[]>().notNull(),
  logicLevel: integer('logic_level'),
  primaryUse: text('primary_use').notNull().default(''),
  /** JSON: heuristic rules and classifier settings (model, scale, threshold, timeout). */
  settings: text('settings', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
  updatedAt: integer('updated_at').notNull(),
});
