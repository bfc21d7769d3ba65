import { sql, type SQL } from 'drizzle-orm';
import { sqliteTable, text, integer, real, index } from 'drizzle-orm/sqlite-core';

/**
 * A failed request's row: an error status, or an error type on a row whose status says otherwise
 * (a stream that failed after its 200). Its 400 is literal SQL, not a bound value, so both
 * databases match the logs list's filter to the partial index request_logs_failed_created_idx.
 */
export const FAILED_ROW = (t: { status: unknown; errorType: unknown }): SQL => sql`(${t.status} >= 400 OR ${t.errorType} IS NOT NULL)`;

/** The `endpoint` values log rows carry (README, "Logs"); a type only, the column stays plain text. */
export const LOG_ENDPOINTS = ['chat', 'responses', 'images', 'embeddings', 'messages', 'count_tokens', 'classifier'] as const;

/** One row per request (and per classifier call), written by the log-writer worker. */
export const requestLogs = sqliteTable(
  'request_logs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Unix epoch milliseconds. */
    createdAt: integer('created_at').notNull(),
    requestId: text('request_id').notNull(),
    /** Set on a classifier row: the request it routed. */
    parentRequestId: text('parent_request_id'),
    clientId: integer('client_id'),
    endpoint: text('endpoint', { enum: LOG_ENDPOINTS }).notNull(),
    modelRequested: text('model_requested').notNull(),
    model: text('model'),
    provider: text('provider'),
    /** Groups walked, e.g. `dispatcher>heavy-logic>deepseek-v4-pro`. */
    route: text('route'),
    /** JSON array of attempts (provider/model/status/error) when fallback happened. */
    attempts: text('attempts'),
    stream: integer('stream', { mode: 'boolean' }).notNull().default(false),
    status: integer('status').notNull(),
    errorType: text('error_type'),
    error: text('error'),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    cachedTokens: integer('cached_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    reasoningTokens: integer('reasoning_tokens').notNull().default(0),
    images: integer('images').notNull().default(0),
    estimated: integer('estimated', { mode: 'boolean' }).notNull().default(false),
    costUsd: real('cost_usd').notNull().default(0),
    latencyMs: real('latency_ms').notNull().default(0),
    ttfbMs: real('ttfb_ms'),
    overheadMs: real('overhead_ms').notNull().default(0),
    /** Time waiting for a free upstream slot (the gateway was full); outside overhead_ms. Null on rows from before it was measured. */
    queueMs: real('queue_ms'),
    /** Prompt/completion text, only when the operator turns that on. */
    body: text('body'),
    /** Which key of the provider's pool the last try used: a provider_keys id, `main` or `env`. */
    providerKeyId: text('provider_key_id'),
    /** Prompt tokens written to the provider's prompt cache (part of prompt_tokens, like cached_tokens). */
    cacheWriteTokens: integer('cache_write_tokens').notNull().default(0),
    /** The gateway instance that served the request (LLM_PROXY__INSTANCE_ID). */
    instance: text('instance'),
    /**
     * The team the key was in when the request was admitted (null: no team). Team spend is summed
     * from this (usage_team_daily), so a key moved to another team or deleted leaves its spend
     * with the team it was spent in.
     */
    teamId: integer('team_id'),
    /**
     * The model's price is unknown (a paid provider's id that neither the models table nor the
     * bundled genai-prices data prices): cost_usd is 0 because nothing could be counted, not because it was free.
     */
    costUnknown: integer('cost_unknown', { mode: 'boolean' }).notNull().default(false),
    /**
     * What the upstream said it billed (xAI's usage.cost_in_usd_ticks, in USD); null: it said
     * nothing. When set, cost_usd is this figure (the provider's invoice is authoritative).
     */
    providerCostUsd: real('provider_cost_usd'),
    /**
     * The price table's figure for the request (usage/cost.ts computeCost, failed tries it bills
     * included), beside cost_usd; equal to it unless the upstream reported its own cost. Null on
     * rows from before it was recorded.
     */
    computedCostUsd: real('computed_cost_usd'),
  },
  (t) => [
    index('request_logs_created_idx').on(t.createdAt),
    index('request_logs_client_created_idx').on(t.clientId, t.createdAt),
    index('request_logs_provider_created_idx').on(t.provider, t.createdAt),
    index('request_logs_model_created_idx').on(t.model, t.createdAt),
    /** The logs list's model filter matches the requested name too (model OR model_requested). */
    index('request_logs_model_requested_created_idx').on(t.modelRequested, t.createdAt),
    index('request_logs_status_created_idx').on(t.status, t.createdAt),
    /**
     * The failed rows only (FAILED_ROW, the logs list's status=error): a range with few failures among
     * millions of rows is a walk of those few, not of every row. The query spells the same predicate.
     */
    index('request_logs_failed_created_idx').on(t.createdAt).where(FAILED_ROW(t)),
    /** The logs list's endpoint filter: a rare endpoint (images among millions of chat rows) is a seek, not a walk of every row. */
    index('request_logs_endpoint_created_idx').on(t.endpoint, t.createdAt),
    /** The logs list's team filter: one team's rows among every team's, newest first, without a walk of the others'. */
    index('request_logs_team_created_idx').on(t.teamId, t.createdAt),
    /** A request's row by the id its answer carried (x-request-id): /api/logs?request_id=, the log sinks' checks. */
    index('request_logs_request_id_idx').on(t.requestId),
  ],
);
