import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

/**
 * Responses made through the gateway: bridged ones whole (so `previous_response_id` can continue a
 * conversation and GET/DELETE/input_items can answer), OpenAI's own as a reference (owner, provider).
 */
export const storedResponses = sqliteTable(
  'stored_responses',
  {
    id: text('id').primaryKey(),
    clientId: integer('client_id'),
    model: text('model').notNull(),
    /** JSON: the chat messages that made up the conversation so far, output included. */
    messages: text('messages').notNull(),
    createdAt: integer('created_at').notNull(),
    /** The provider that answered (`openai` for a forwarded one); null on rows from before it was kept. */
    provider: text('provider'),
    /** 1: OpenAI holds the response (a pass-through); retrieval and delete are forwarded to it. */
    forwarded: integer('forwarded', { mode: 'boolean' }).notNull().default(false),
    /** JSON: the response object as the client got it (bridged responses), for GET /v1/responses/{id}. */
    response: text('response'),
    /** JSON: the request's input as OpenAI's input item resources (with ids), for /input_items. */
    inputItems: text('input_items'),
    /**
     * The provider key (pool id: a provider_keys id, `main` or `env`) that made an OpenAI response:
     * reads, cancel, delete and follow-ups use it, since OpenAI answers 404 to another project's key.
     */
    providerKeyId: text('provider_key_id'),
    /**
     * The instance that runs a bridged response (its Redis origin, the identity it beats under:
     * src/redis/redis-link.ts); null without Redis and on forwarded rows. When that instance is taken
     * for dead, the one that found it stores its responses still queued/in_progress failed
     * (src/responses/orphaned-responses.ts). No index: read only then, by a rare sweep.
     */
    runner: text('runner'),
  },
  (t) => [index('stored_responses_created_idx').on(t.createdAt)],
);
