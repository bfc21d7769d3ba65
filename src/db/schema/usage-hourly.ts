import { sqliteTable, text, integer, primaryKey } from 'drizzle-orm/sqlite-core';
import { rollupMeasures } from './rollup-columns';

/** Hourly rollup kept current by the log writer, so charts never scan raw rows. */
export const usageHourly = sqliteTable(
  'usage_hourly',
  {
    /** Start of the hour, epoch milliseconds. */
    hour: integer('hour').notNull(),
    provider: text('provider').notNull().default(''),
    model: text('model').notNull().default(''),
    clientId: integer('client_id').notNull().default(0),
    ...rollupMeasures(),
  },
  (t) => [primaryKey({ columns: [t.hour, t.provider, t.model, t.clientId] })],
);
