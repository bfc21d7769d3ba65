/** The response store's options and their defaults (response-store.ts). */

export interface ResponseStoreOptions {
  /**
   * false: no conversation is stored (a bridged response's `previous_response_id` then finds
   * nothing). The owner rows of forwarded responses are kept all the same: OpenAI and xAI keep
   * those responses whatever the gateway stores, and without its owner one key could continue,
   * read or delete another key's (heldByAnother).
   */
  enabled?: boolean;
  /** Rows older than this are deleted. */
  retentionDays?: number;
  /**
   * At most this many conversations (bridged responses) are kept, oldest go first. The owner rows of
   * forwarded responses are not counted: OpenAI or xAI keeps those responses whatever the gateway
   * prunes, and an owner forgotten would let another key continue one (heldByAnother). They are small
   * (no conversation) and end with retention, as log rows do.
   */
  maxRows?: number;
  /** Recent conversations kept in memory, so a quick follow-up (a tool loop) never reads SQLite. */
  cacheSize?: number;
  /** Their size at most (approxBytes), whatever their count: the newest is kept even when larger. */
  cacheBytes?: number;
  /** Delay before queued rows are written, batching writes off the request path. */
  flushDelayMs?: number;
  /** Conversations waiting to be written at most (PostgreSQL down): past it the oldest are not stored. */
  maxPending?: number;
  /** Their size at most (approxBytes), likewise. */
  maxPendingBytes?: number;
  now?: () => number;
  /**
   * This instance's identity in Redis (RedisLink.origin), stored on each bridged row it saves, so
   * the instance that finds it dead can end its responses (orphaned-responses.ts); null without Redis.
   */
  runner?: string | null;
}

/**
 * Conversations held for writing at most. While PostgreSQL is down every answer adds one (with
 * its whole conversation) and each retry fails: past this the oldest are dropped, so an outage
 * costs follow-ups of old responses, not the gateway's memory.
 */
export const MAX_PENDING_RESPONSES = 1000;
/**
 * Bytes (approxBytes) of the conversations kept in memory, cached or waiting to be written. A
 * conversation may be as large as a request body (32 MB by default): 500 cached ones, or 1000
 * waiting through an outage, would otherwise hold gigabytes.
 */
export const MAX_CACHE_BYTES = 64 * 1024 * 1024;
export const MAX_PENDING_BYTES = 256 * 1024 * 1024;
/** The options with every default filled in. */
export function withDefaults(options: ResponseStoreOptions): Required<ResponseStoreOptions> {
  return {
    enabled: options.enabled ?? true,
    retentionDays: options.retentionDays ?? 30,
    maxRows: options.maxRows ?? 50_000,
    cacheSize: options.cacheSize ?? 500,
    cacheBytes: options.cacheBytes ?? MAX_CACHE_BYTES,
    flushDelayMs: options.flushDelayMs ?? 20,
    maxPending: options.maxPending ?? MAX_PENDING_RESPONSES,
    maxPendingBytes: options.maxPendingBytes ?? MAX_PENDING_BYTES,
    now: options.now ?? Date.now,
    runner: options.runner ?? null,
  };
}
