/**
 * A stored response as the `stored_responses` table holds it: the conversation type, the row as
 * either store returns it, and the mapping between the two (ResponseStore reads and writes with these).
 */
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { num, numOrNull } from '../db/store';
import { messagesFromJson, messagesToJson } from './stored-messages-json';

/** What a bridged response leaves behind for a `previous_response_id` follow-up. */
export interface StoredConversation {
  clientId: number | null;
  model: string;
  /** The conversation so far (no instructions), the response's own output included. */
  messages: ChatCompletionMessageParam[];
  createdAt: number;
  /** The provider that answered; unset on rows from before it was kept. */
  provider?: string | null;
  /** OpenAI holds this response (a pass-through): only the owner is kept here, and reads are forwarded. */
  forwarded?: boolean;
  /** The response object as the client got it (bridged responses). */
  response?: unknown;
  /** The request's input as OpenAI's input item resources, each with its id. */
  inputItems?: unknown[] | null;
  /**
   * The pool key (its id, never the key) that made a forwarded response: OpenAI answers only that
   * key's project for it. Unset on bridged responses and rows from before it was kept.
   */
  providerKeyId?: string | null;
}

/** A stored_responses row as SQLite returns it (PostgreSQL: bigints as text, forwarded a boolean). */
export interface StoredRow {
  client_id: number | string | null;
  model: string;
  messages: string;
  created_at: number | string;
  provider: string | null;
  forwarded: number | boolean;
  response: string | null;
  input_items: string | null;
  provider_key_id: string | null;
}

export const COLUMNS = 'client_id, model, messages, created_at, provider, forwarded, response, input_items, provider_key_id';
/** The columns a save writes: COLUMNS and the instance running the response (`runner`, written, never read back into the entry). */
const WRITTEN = `${COLUMNS}, runner`.split(', ');
export const UPDATE_SQL = `UPDATE stored_responses SET ${WRITTEN.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`;
/**
 * PostgreSQL's save of a response that did not end cancelled: a row stored `cancelled` is left as
 * it is. A cancel made through another instance is stored there while this one still runs the
 * response (its `in_progress` or last save would undo the cancel before its watch read it); the
 * row updated, if any, is returned.
 */
export const UPDATE_UNLESS_CANCELLED_PG_SQL = `${UPDATE_SQL} AND (response IS NULL OR response::json ->> 'status' IS DISTINCT FROM 'cancelled') RETURNING id`;
/** A first save: the row, or (PostgreSQL's `ON CONFLICT`, SQLite's `OR REPLACE`) a row of that id replaced. */
export const INSERT_SQLITE_SQL = `INSERT OR REPLACE INTO stored_responses (id, ${WRITTEN.join(', ')}) VALUES (?${', ?'.repeat(WRITTEN.length)})`;
export const INSERT_PG_SQL =
  `INSERT INTO stored_responses (id, ${WRITTEN.join(', ')}) VALUES (?${', ?'.repeat(WRITTEN.length)}) ` +
  `ON CONFLICT (id) DO UPDATE SET ${WRITTEN.map((c) => `${c} = excluded.${c}`).join(', ')} ` +
  // A retried first save (or a replace that became one) leaves a response stored cancelled as it is, as UPDATE_UNLESS_CANCELLED_PG_SQL does.
  `WHERE stored_responses.response IS NULL OR stored_responses.response::json ->> 'status' IS DISTINCT FROM 'cancelled' OR excluded.response::json ->> 'status' = 'cancelled'`;

/** Whether a stored response object is still running (`queued` or `in_progress`). */
export const isRunning = (response: unknown): boolean => {
  const status = (response as { status?: unknown } | null | undefined)?.status;
  return status === 'queued' || status === 'in_progress';
};

/** Whether a stored response object ended `cancelled`. */
export const isCancelled = (response: unknown): boolean => (response as { status?: unknown } | null | undefined)?.status === 'cancelled';

/**
 * A conversation's column values in UPDATE_SQL's order (`forwarded` as the dialect stores it).
 * `runner`, this instance's identity in Redis (null without Redis), is stored while the response
 * runs only: a row that ended names no instance.
 */
export const columnValues = (c: StoredConversation, forwarded: number | boolean, runner: string | null) => [
  c.clientId, c.model, messagesToJson(c.messages), c.createdAt, c.provider ?? null, forwarded,
  c.response === undefined ? null : JSON.stringify(c.response), c.inputItems ? JSON.stringify(c.inputItems) : null,
  c.providerKeyId ?? null, !c.forwarded && isRunning(c.response) ? runner : null,
];

export const SELECT_SQL = `SELECT ${COLUMNS} FROM stored_responses WHERE id = ?`;

export const entryOf = (row: StoredRow): StoredConversation => ({
  clientId: numOrNull(row.client_id), model: row.model, messages: messagesFromJson(row.messages), createdAt: num(row.created_at),
  provider: row.provider, forwarded: Boolean(row.forwarded),
  response: row.response === null ? undefined : JSON.parse(row.response),
  inputItems: row.input_items === null ? null : JSON.parse(row.input_items),
  providerKeyId: row.provider_key_id,
});
