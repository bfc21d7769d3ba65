import type { AppContext } from '../context';
import { ApiError, badRequest, notFound } from '../errors/api-error';
import { withKey } from '../key-pool/key-pool';
import { openUpstream, readBody } from '../proxy/open-upstream';
import { RequestClock } from '../proxy/request-clock';
import { upstreamJsonObject } from '../proxy/upstream-errors';
import type { RouteTarget } from '../routing/types';
import type { InputItemResource } from './input-items';
import { buildStoredResponseCall, relayResponsesStream } from './native-passthrough';
import { forwardedProvider } from './native-responses';
import { renameResponseIds, renamesResponseIds, upstreamResponseId } from './xai-response-ids';
import { providerName } from '../providers/provider-catalog';
import type { ResponseStore, StoredConversation } from './response-store';
import { followJob } from './bridged-background';
import { ID_CHARS, shownValue } from '../errors/shown-value';
import { decimalId } from '../admin/decimal-id';
import { checkInclude, includeOfQuery } from './includable';

/** What a read answers: a JSON body (or an SSE stream, forwarded as the provider sent it) and its status. */
export interface ReadAnswer {
  status: number;
  body: string | ReadableStream<Uint8Array>;
  contentType: string;
}

export interface ReadOptions {
  clientId: number;
  /** The query string as the client sent it (`?limit=…`), forwarded to the provider as is. */
  search: string;
  signal?: AbortSignal;
}

/** A stream event's sequence_number as a query gives it: decimal digits, no sign, leading zero, space or exponent. */
const SEQUENCE_NUMBER = /^(0|[1-9][0-9]{0,15})$/;
const json = (body: unknown, status = 200): ReadAnswer => ({ status, body: JSON.stringify(body), contentType: 'application/json' });
const missing = (id: string) => notFound(`Response with id '${shownValue(id, ID_CHARS)}' not found.`);

/** The response, or OpenAI's 404 when it is unknown, expired, deleted or another key's. */
async function owned(store: ResponseStore, id: string, clientId: number): Promise<StoredConversation> {
  // On PostgreSQL the row is read afresh (awaited): another instance may have stored or deleted it.
  await store.load(id, true);
  const entry = store.find(id, clientId);
  if (!entry) throw missing(id);
  return entry;
}

/**
 * A read of a response a provider holds (OpenAI's, xAI's), sent to it with the pool key that made
 * it (OpenAI answers 404 to a key of another project), or the provider's key when that one is gone
 * (removed from the pool, or a row from before keys were kept). Not a routed request: no fallback
 * (only that provider has the response), no breaker, no log row.
 */
async function forward(ctx: AppContext, entry: StoredConversation, method: 'GET' | 'POST' | 'DELETE', path: string, o: ReadOptions): Promise<ReadAnswer> {
  const provider = forwardedProvider(entry);
  const settings = ctx.state.getSnapshot().providers.get(provider);
  if (!settings?.enabled) throw new ApiError({
    status: 503,
    message: `The ${provider} provider is disabled; its responses cannot be read.`,
    type: 'api_error',
    code: 'provider_disabled',
  });
  const target: RouteTarget = { provider, upstreamModel: entry.model, modelId: entry.model, entry: null };
  const keyed = withKey(settings, settings.keys?.find((k) => k.id === entry.providerKeyId) ?? null);
  const clock = new RequestClock();
  const up = await openUpstream(ctx, target, buildStoredResponseCall(keyed, method, path + o.search), { signal: o.signal, clock, apiKey: keyed.apiKey });
  const type = up.res.headers.get('content-type') ?? 'application/json';
  if (type.includes('text/event-stream')) return { status: up.res.status, body: relayResponsesStream(up, () => {}), contentType: type };
  const body = await readBody(up, clock);
  // A 2xx that is not a JSON object is the provider's broken answer, a 502 as on create.
  const json = upstreamJsonObject(up.provider, body);
  if (!renamesResponseIds(provider)) return { status: up.res.status, body, contentType: type };
  // xAI's bare id as the client was given it (`resp_…`), in the response read back and in a delete's answer.
  return { status: up.res.status, body: renameResponseIds(provider, json) ? JSON.stringify(json) : body, contentType: type };
}

/** The provider's path of a forwarded response (its own id: xai-response-ids.ts), and of its sub-resource `rest`. */
const pathOf = (entry: StoredConversation, id: string, rest = '') =>
  `/responses/${encodeURIComponent(upstreamResponseId(forwardedProvider(entry), id))}${rest}`;

/**
 * Cancel and input_items exist on OpenAI's Responses API only: xAI's has create, retrieve and
 * delete. For a response xAI holds they are a 400 that says so, not xAI's 404 for a path it lacks.
 */
function onlyOpenAI(entry: StoredConversation, what: string, why: string): void {
  const provider = forwardedProvider(entry);
  if (provider === 'openai') return;
  throw badRequest(`This response is held by ${providerName(provider)}, whose Responses API ${why}; '${what}' cannot be used on it.`);
}

/** GET /v1/responses/{id}. */
export async function retrieveResponse(ctx: AppContext, store: ResponseStore, id: string, o: ReadOptions): Promise<ReadAnswer> {
  // Both parameters are read as OpenAI reads them, and a value that means nothing is refused
  // whichever response it names (it was ignored without stream=true).
  const query = new URLSearchParams(o.search);
  const stream = query.get('stream');
  if (stream !== null && stream !== 'true' && stream !== 'false') throw badRequest("'stream' must be 'true' or 'false'.", 'stream');
  const after = query.get('starting_after');
  // Plain decimal digits, as `limit` (listParams): Number() read `1e1` as 10, `0x2` as 2 and ` 2` as 2.
  if (after !== null && after !== '' && !SEQUENCE_NUMBER.test(after)) {
    throw badRequest("'starting_after' must be an event's sequence_number (an integer, 0 or more).", 'starting_after');
  }
  const n = after === null || after === '' ? -1 : Number(after);
  const entry = await owned(store, id, o.clientId);
  if (entry.forwarded) return forward(ctx, entry, 'GET', pathOf(entry, id), o);
  // OpenAI's `include` values change nothing on a bridged response; another is OpenAI's 400 (the forwarded one's judges its own).
  checkInclude(includeOfQuery(query));
  // Rows stored before responses were kept whole can continue a conversation but not be shown.
  if (entry.response === undefined || entry.response === null) throw missing(id);
  // OpenAI streams back only a `background` response's events (JSON under `stream=true` reads as
  // an empty event stream to the SDKs): a bridged one's from this instance, while it holds them.
  if (stream === 'true') {
    if ((entry.response as { background?: unknown }).background !== true) {
      throw badRequest('This response cannot be streamed: only responses created with background=true can be; retrieve it without stream.', 'stream');
    }
    const job = ctx.backgroundJobs.get(id);
    if (!job) {
      throw badRequest(
        "This background response's events are no longer held (they are kept on the gateway instance that ran it, for 10 minutes after it ended); retrieve it without stream.",
        'stream',
      );
    }
    return { status: 200, body: followJob(job, n), contentType: 'text/event-stream; charset=utf-8' };
  }
  return json(entry.response);
}

/** The store's 503s: SQLite busy or PostgreSQL away, which pass. */
const isStoreBusyOrAway = (err: unknown) => err instanceof ApiError && (err.code === 'store_busy' || err.code === 'store_unavailable');

/** DELETE /v1/responses/{id}: forgotten here, and at the provider holding it for a forwarded one (OpenAI's, xAI's). */
export async function deleteResponse(ctx: AppContext, store: ResponseStore, id: string, o: ReadOptions): Promise<ReadAnswer> {
  const entry = await owned(store, id, o.clientId);
  if (!entry.forwarded) {
    // A bridged background response still running stops first, as OpenAI's does: its upstream call
    // ends and its one row bills what was used so far (cancel's path), so nothing runs on unbilled-for.
    if (isRunningBackground(entry)) await stopBackground(ctx, store, id, entry);
    await store.delete(id);
    return json({ id, object: 'response', deleted: true });
  }
  try {
    const answer = await forward(ctx, entry, 'DELETE', pathOf(entry, id), { ...o, search: '' });
    // Deleted at its provider, where it lives: that is the answer, even when the gateway's record of it
    // cannot be removed just now (SQLite busy, PostgreSQL away). The record then points to nothing (reads
    // and a delete are the provider's 404) until retention ends it; a 503 here would make the client's retry a 404.
    await store.delete(id).catch((err: unknown) => {
      if (!isStoreBusyOrAway(err)) throw err;
    });
    return answer;
  } catch (err) {
    // The provider no longer has it (expired or deleted there): nothing left to point to.
    if ((err as { status?: number })?.status === 404) await store.delete(id);
    throw err;
  }
}

/**
 * POST /v1/responses/{id}/cancel: OpenAI's own (a `background` response) is cancelled at OpenAI.
 * A bridged background response running on this instance is ended here (its upstream call stops,
 * it is stored `cancelled` with what it made so far); one running on another instance is stored
 * `cancelled`, which its instance reads within seconds and ends it. One that already ended is
 * answered as it is. A synchronous response is finished when its id is known: OpenAI's 400.
 */
export async function cancelResponse(ctx: AppContext, store: ResponseStore, id: string, o: ReadOptions): Promise<ReadAnswer> {
  const entry = await owned(store, id, o.clientId);
  if (entry.forwarded) {
    onlyOpenAI(entry, 'cancel', 'runs no background responses');
    return forward(ctx, entry, 'POST', pathOf(entry, id, '/cancel'), { ...o, search: '' });
  }
  const response = entry.response as BackgroundState | null | undefined;
  if (response?.background !== true) throw badRequest('Cannot cancel a synchronous response.');
  if (!isRunningBackground(entry)) return json(response);
  return json(await stopBackground(ctx, store, id, entry));
}

type BackgroundState = { background?: unknown; status?: unknown };

/** A bridged `background: true` response stored `queued` or `in_progress`. */
function isRunningBackground(entry: StoredConversation): boolean {
  const response = entry.response as BackgroundState | null | undefined;
  return response?.background === true && (response.status === 'queued' || response.status === 'in_progress');
}

/**
 * Cancels a running bridged background response: on this instance its job ends (the upstream call
 * stops, the run stores it `cancelled` and writes its row); one running on another instance is
 * stored `cancelled`, which that instance reads and ends it. Answers the response as it ended.
 */
async function stopBackground(ctx: AppContext, store: ResponseStore, id: string, entry: StoredConversation): Promise<unknown> {
  const job = ctx.backgroundJobs.get(id);
  if (job && !job.ended) {
    job.cancel();
    await job.done;
    // Written before the answer (as a new response is), so a read through another instance right after says cancelled.
    await store.persisted();
    return store.find(id, entry.clientId)?.response ?? { ...(entry.response as object), status: 'cancelled' };
  }
  const cancelled = { ...(entry.response as object), status: 'cancelled' };
  store.replace(id, { ...entry, response: cancelled });
  await store.persisted();
  return cancelled;
}

export interface ListParams {
  limit: number;
  order: 'asc' | 'desc';
  after: string | null;
  before: string | null;
}

/**
 * `limit` (1–100, default 20), `order` (`asc`|`desc`, default `desc`), `after` and `before` (item
 * ids), as OpenAI reads them.
 */
export function listParams(search: URLSearchParams): ListParams {
  const rawLimit = search.get('limit');
  // Plain decimal digits only: Number() read `0x10` as 16, `1e1` as 10 and ` 5` as 5.
  const limit = rawLimit === null ? 20 : decimalId(rawLimit);
  if (limit === null || limit > 100) throw badRequest("'limit' must be an integer from 1 to 100.", 'limit');
  const order = search.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw badRequest("'order' must be 'asc' or 'desc'.", 'order');
  return { limit, order, after: search.get('after') || null, before: search.get('before') || null };
}

/**
 * One page of OpenAI's `ResponseItemList`, in the asked order: the first `limit` items after
 * `after`, or, with `before` alone, the `limit` items just before it (paging back); `has_more`
 * says whether more lie beyond the page in the direction it was read.
 */
export function pageOf(items: readonly InputItemResource[], p: ListParams) {
  const ordered = p.order === 'asc' ? [...items] : [...items].reverse();
  const indexOf = (id: string, param: 'after' | 'before') => {
    const at = ordered.findIndex((i) => i.id === id);
    if (at < 0) throw badRequest(`No input item with id '${shownValue(id, ID_CHARS)}' in this response.`, param);
    return at;
  };
  const from = p.after !== null ? indexOf(p.after, 'after') + 1 : 0;
  const to = p.before !== null ? indexOf(p.before, 'before') : ordered.length;
  let start = from;
  let end = Math.min(to, from + p.limit);
  let hasMore = end < to;
  if (p.before !== null && p.after === null) {
    start = Math.max(from, to - p.limit);
    end = to;
    hasMore = start > from;
  }
  const data = start < end ? ordered.slice(start, end) : [];
  return {
    object: 'list' as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: hasMore,
  };
}

/** GET /v1/responses/{id}/input_items. */
export async function listInputItems(ctx: AppContext, store: ResponseStore, id: string, o: ReadOptions): Promise<ReadAnswer> {
  const params = listParams(new URLSearchParams(o.search));
  const entry = await owned(store, id, o.clientId);
  if (entry.forwarded) {
    onlyOpenAI(entry, 'input_items', 'does not list a response\'s input items');
    return forward(ctx, entry, 'GET', pathOf(entry, id, '/input_items'), o);
  }
  if (!entry.inputItems) throw missing(id);
  checkInclude(includeOfQuery(new URLSearchParams(o.search)));
  return json(pageOf(entry.inputItems as InputItemResource[], params));
}
