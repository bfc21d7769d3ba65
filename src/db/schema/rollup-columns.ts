import { integer, real } from 'drizzle-orm/sqlite-core';

/**
 * The sums every usage rollup table carries (requests, errors, the four token kinds, cost, and latency/overhead sums for means). A function,
 * not shared objects: each table needs its own column builders.
 */
export function rollupMeasures() {
  return {
    requests: integer('requests').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    cachedTokens: integer('cached_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    reasoningTokens: integer('reasoning_tokens').notNull().default(0),
    costUsd: real('cost_usd').notNull().default(0),
    latencyMsSum: real('latency_ms_sum').notNull().default(0),
    overheadMsSum: real('overhead_ms_sum').notNull().default(0),
    cacheWriteTokens: integer('cache_write_tokens').notNull().default(0),
  };
}
