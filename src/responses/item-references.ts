import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { badRequest, notFound } from '../errors/api-error';
import { responseOfItem } from './response-ids';
import type { ResponseStore, StoredConversation } from './response-store';
import type { ResponseObject, ResponsesInputItem } from './responses-types';
import { ID_CHARS, shownValue } from '../errors/shown-value';

/**
 * `item_reference` input items name an output item of an earlier response by its id instead of
 * repeating it (the Vercel AI SDK sends its assistant text and reasoning back that way while
 * `store` is on). For a bridged response the gateway stored, the item's id leads to that response
 * (outputItemId), so the reference can be replaced by the item itself before the bridge runs.
 */
const isReference = (item: ResponsesInputItem) => item?.type === 'item_reference';

/** The stored responses the input's item references point to (to load before `expandItemReferences`). */
export function referencedResponses(input: string | ResponsesInputItem[] | undefined): string[] {
  if (!Array.isArray(input)) return [];
  const ids = input.filter(isReference).map((item) => (typeof item.id === 'string' ? responseOfItem(item.id) : null));
  return [...new Set(ids.filter((id): id is string => id !== null))];
}

/** The item ids the input's item references name, with their index in `input`. */
export function referencedItems(input: string | ResponsesInputItem[] | undefined): { id: string; index: number }[] {
  if (!Array.isArray(input)) return [];
  return input.flatMap((item, index) => (isReference(item) && typeof item.id === 'string' && item.id ? [{ id: item.id, index }] : []));
}

/**
 * OpenAI's 404 for an item reference to an output of a response another client key made through
 * the gateway, bridged or OpenAI's own (OpenAI would resolve that for any key of the gateway's
 * project, as it would continue the response), before any model sees the request. Answers the
 * entry of a referred item a provider holds (an OpenAI or xAI response's output), if any: only
 * that provider resolves it.
 */
export async function refuseOthersItems(input: string | ResponsesInputItem[] | undefined, store: ResponseStore, clientId: number | null): Promise<StoredConversation | null> {
  let held: StoredConversation | null = null;
  for (const { id, index } of referencedItems(input)) {
    // A bridged response's item leads to its response (outputItemId); OpenAI's has a row of its own.
    const holder = responseOfItem(id) ?? id;
    await store.load(holder);
    if (store.heldByAnother(holder, clientId)) throw itemNotFound(id, index);
    const entry: StoredConversation | null = held ?? store.find(holder, clientId);
    if (entry?.forwarded) held = entry;
  }
  return held;
}

const itemNotFound = (id: string, i: number) => notFound(`Item with id '${shownValue(id, ID_CHARS)}' not found.`, 'item_not_found', `input[${i}].id`);

/** `input` with every item reference replaced by the output item it names; OpenAI's 404 when there is none. */
export function expandItemReferences<T extends string | ResponsesInputItem[] | undefined>(
  input: T,
  store: ResponseStore,
  clientId: number | null,
): T {
  if (!Array.isArray(input) || !input.some(isReference)) return input;
  return input.map((item, i) => (isReference(item) ? referencedItem(item.id, i, store, clientId) : item)) as T;
}

function referencedItem(id: unknown, i: number, store: ResponseStore, clientId: number | null): ResponsesInputItem {
  if (typeof id !== 'string' || !id) throw badRequest(`'input[${i}].id' is required: the id of the item referred to.`, `input[${i}].id`);
  const responseId = typeof id === 'string' ? responseOfItem(id) : null;
  const response = responseId ? (store.get(responseId, clientId)?.response as ResponseObject | undefined) : undefined;
  const item = response?.output?.find((o) => o.id === id);
  if (!item) throw itemNotFound(id, i);
  return item as unknown as ResponsesInputItem;
}

/** The response the stored response `id` continued (its `previous_response_id`), if the store holds `id`. */
function continuedOf(id: string, store: ResponseStore, clientId: number | null): string | null {
  const before: unknown = (store.get(id, clientId)?.response as ResponseObject | undefined)?.previous_response_id;
  return typeof before === 'string' ? before : null;
}

/** The stored responses a follow-up to `prev` continues: `prev`, the one it continued, and so on back. */
export function responseChain(prev: unknown, store: ResponseStore, clientId: number | null): Set<string> {
  const chain = new Set<string>();
  for (let id = typeof prev === 'string' ? prev : null; id !== null && !chain.has(id) && store.get(id, clientId); id = continuedOf(id, store, clientId)) {
    chain.add(id);
  }
  return chain;
}

/** Reads the chain of `prev` into the store's memory (PostgreSQL: `responseChain` reads only what is there). */
export async function loadResponseChain(prev: string, store: ResponseStore, clientId: number | null): Promise<void> {
  const seen = new Set<string>();
  for (let id: string | null = prev; id !== null && !seen.has(id); id = continuedOf(id, store, clientId)) {
    seen.add(id);
    await store.load(id);
  }
}

/**
 * `input` without its replay of the conversation `previous_response_id` continues. A client that
 * sends items the conversation already holds (an item reference to an output of a response in
 * `chain`, or a function_call (custom_tool_call) with the call_id, name and arguments (input) of one in `history`) is sending
 * the conversation again: the Vercel AI SDK does, with `previousResponseId` set for each step of a
 * tool loop. Sent on, the upstream would see every earlier turn twice, the tool calls repeated
 * without results between them (which chat upstreams refuse). So everything up to the last such
 * item is left out; what follows it is the new input.
 */
export function withoutReplay(
  input: string | ResponsesInputItem[] | undefined,
  chain: Set<string>,
  history: ChatCompletionMessageParam[] | undefined,
): string | ResponsesInputItem[] | undefined {
  if (!Array.isArray(input) || !history?.length) return input;
  const calls = new Set<string>();
  for (const m of history) {
    if (m.role !== 'assistant') continue;
    for (const c of m.tool_calls ?? []) {
      calls.add(JSON.stringify(c.type === 'custom' ? [c.id, c.custom.name, c.custom.input, 1] : [c.id, c.function.name, sameJson(c.function.arguments)]));
    }
  }
  const replayed = (item: ResponsesInputItem) =>
    isReference(item)
      ? typeof item.id === 'string' && chain.has(responseOfItem(item.id) ?? '')
      : item?.type === 'function_call'
        ? calls.has(JSON.stringify([item.call_id, item.name, sameJson(typeof item.arguments === 'string' ? item.arguments : '{}')]))
        : item?.type === 'custom_tool_call' && calls.has(JSON.stringify([item.call_id, item.name, typeof item.input === 'string' ? item.input : '', 1]));
  const last = input.findLastIndex(replayed);
  return last < 0 ? input : input.slice(last + 1);
}

/**
 * Function arguments as the same JSON text whatever their spacing: the SDK sends back the arguments
 * it parsed, serialised again (`{"city":"Paris"}`), while the stored call has them as the upstream
 * streamed them (Claude: `{"city": "Paris"}`). Text that is not JSON stays as it is.
 */
function sameJson(args: unknown): unknown {
  if (typeof args !== 'string') return args;
  try {
    return JSON.stringify(JSON.parse(args));
  } catch {
    return args;
  }
}
