import { badRequest } from '../errors/api-error';
import { ID_CHARS, shownValue } from '../errors/shown-value';
import { decimalId } from '../admin/decimal-id';

/** Anthropic's `ModelInfo`: what its SDKs' `models.list()` / `models.retrieve()` read. */
export interface AnthropicModelInfo {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
  /** Null: the gateway does not describe its models' capabilities (Anthropic allows null). */
  capabilities: null;
  lifecycle: 'active';
  deprecated_at: null;
  retires_at: null;
  /** Anthropic: "do not infer a line from the id"; the gateway knows none. */
  line: null;
  /** The model's context window from the models table, when known (a group's: null). */
  max_input_tokens: number | null;
  max_tokens: null;
}

export const modelInfo = (id: string, createdAt: string, contextWindow: number | null): AnthropicModelInfo => ({
  type: 'model',
  id,
  display_name: id,
  created_at: createdAt,
  capabilities: null,
  lifecycle: 'active',
  deprecated_at: null,
  retires_at: null,
  line: null,
  max_input_tokens: contextWindow,
  max_tokens: null,
});

/**
 * One page of Anthropic's model list: `limit` (1-1000, default 20), then `after_id` (the models
 * after it) or `before_id` (the models before it), as Anthropic's API pages them.
 */
export function anthropicModelPage(all: readonly AnthropicModelInfo[], search: URLSearchParams) {
  const rawLimit = search.get('limit');
  // Plain decimal digits only, as for /v1/responses/{id}/input_items (`0x10`, `1e1`, ` 5` are refused).
  const limit = rawLimit === null ? 20 : decimalId(rawLimit);
  if (limit === null || limit > 1000) throw badRequest("'limit' must be an integer from 1 to 1000.", 'limit');
  const at = (param: 'after_id' | 'before_id') => {
    const id = search.get(param);
    if (id === null) return null;
    const i = all.findIndex((m) => m.id === id);
    if (i < 0) throw badRequest(`No model with id '${shownValue(id, ID_CHARS)}' in the list.`, param);
    return i;
  };
  const after = at('after_id');
  const before = at('before_id');
  let data: AnthropicModelInfo[];
  let hasMore: boolean;
  if (before !== null) {
    const start = Math.max(0, before - limit);
    data = all.slice(start, before);
    hasMore = start > 0;
  } else {
    const start = after === null ? 0 : after + 1;
    data = all.slice(start, start + limit);
    hasMore = start + limit < all.length;
  }
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
