import type { ProviderId } from '../providers/types';

/**
 * xAI names its responses with bare UUIDs (`1d1a0870-4485-…`), where OpenAI's carry `resp_`. As a
 * chat completion's bare id gets `chatcmpl-` in front, the client sees xAI's response as
 * `resp_<xAI's id>`, and xAI gets its own id back wherever the client names it
 * (`previous_response_id`, GET/DELETE /v1/responses/{id}). Other providers' ids are left alone.
 * Every xAI id gets the prefix, even one that has it already (`resp_x` is `resp_resp_x` to the
 * client): one taken off on the way back must be one put on, or xAI would be sent `x`.
 */
const PREFIX = 'resp_';

/** The fields of a Responses object that hold response ids. */
const ID_FIELDS = ['id', 'previous_response_id'] as const;

/** Whether the provider's Responses answers are relayed with their ids renamed (not byte for byte). */
export function renamesResponseIds(provider: ProviderId): boolean {
  return provider === 'grok';
}

/** The provider's own id of a response the client names (a bare id is taken as it is). */
export function upstreamResponseId(provider: ProviderId, id: string): string {
  return renamesResponseIds(provider) && id.startsWith(PREFIX) ? id.slice(PREFIX.length) : id;
}

/**
 * A Responses object of the provider with its ids as the client sees them (`id`,
 * `previous_response_id`), changed in place; true when something changed (the answer must then
 * be sent re-serialised, not as the upstream's bytes).
 */
export function renameResponseIds(provider: ProviderId, response: unknown): boolean {
  if (!renamesResponseIds(provider) || response === null || typeof response !== 'object' || Array.isArray(response)) return false;
  const r = response as { id?: unknown; previous_response_id?: unknown };
  let changed = false;
  for (const key of ID_FIELDS) {
    const id = r[key];
    if (typeof id === 'string' && id !== '') {
      r[key] = PREFIX + id;
      changed = true;
    }
  }
  return changed;
}

/** A stream event's data with the ids of the response it carries (`response`) as the client sees them. */
export function renameEventIds(provider: ProviderId, event: unknown): boolean {
  return renameResponseIds(provider, (event as { response?: unknown } | null)?.response);
}
