import { notFound } from '../errors/api-error';
import { responseOfItem } from './response-ids';
import type { ResponseStore } from './response-store';
import type { ResponseObject, ResponsesInputItem } from './responses-types';

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
  const responseId = typeof id === 'string' ? responseOfItem(id) : null;
  const response = responseId ? (store.get(responseId, clientId)?.response as ResponseObject | undefined) : undefined;
  const item = response?.output?.find((o) => o.id === id);
  if (!item) throw notFound(`Item with id '${String(id)}' not found.`, 'item_not_found', `input[${i}].id`);
  return item as unknown as ResponsesInputItem;
}
