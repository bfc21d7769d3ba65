import { sqliteTable, text, integer, primaryKey } from 'drizzle-orm/sqlite-core';
import { rollupMeasures } from './rollup-columns';

/**
 * Daily twin of usage_hourly (UTC day x provider x model x client), upserted by the log writer in
 * the same transaction. Ranges of whole days read this instead of 24 times as many hourly rows;
 * only the partial days at a range's edges come from usage_hourly.
 */
export const usageDaily = sqliteTable(
  'usage_daily',
  {
    /** Start of the UTC day, epoch milliseconds. */
    day: integer('day').notNull(),
    provider: text('provider').notNull().default(''),
    model: text('model').notNull().default(''),
    clientId: integer('client_id').notNull().default(0),
    ...rollupMeasures(),
  },
  (t) => [primaryKey({ columns: [t.day, t.provider, t.model, t.clientId] })],
);
