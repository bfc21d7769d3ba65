import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

/** Bridged Responses API results kept so `previous_response_id` can continue a conversation. */
export const storedResponses = sqliteTable(
  'stored_responses',
  {
    id: text('id').primaryKey(),
    clientId: integer('client_id'),
    model: text('model').notNull(),
    /** JSON: the chat messages that made up the conversation so far, output included. */
    messages: text('messages').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('stored_responses_created_idx').on(t.createdAt)],
);
