import { sqliteTable, text, integer, real, primaryKey } from 'drizzle-orm/sqlite-core';

/** Hourly rollup kept current by the log writer, so charts never scan raw rows. */
export const usageHourly = sqliteTable(
  'usage_hourly',
  {
    /** Start of the hour, epoch milliseconds. */
    hour: integer('hour').notNull(),
    provider: text('provider').notNull().default(''),
    model: text('model').notNull().default(''),
    clientId: integer('client_id').notNull().default(0),
    requests: integer('requests').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    cachedTokens: integer('cached_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    reasoningTokens: integer('reasoning_tokens').notNull().default(0),
    costUsd: real('cost_usd').notNull().default(0),
    latencyMsSum: real('latency_ms_sum').notNull().default(0),
    overheadMsSum: real('overhead_ms_sum').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.hour, t.provider, t.model, t.clientId] })],
);
