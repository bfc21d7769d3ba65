/**
 * Ollama's list of pulled models, `GET /api/tags` of its native API (`{"models": [{"name":
 * "llama3.2:latest", "model": "llama3.2:latest", "modified_at": "2025-…", "size": …}]}`), the
 * list `ollama list` prints. Pure: the URL from the provider's base URL, the answer read loosely.
 */

/** One model Ollama has pulled: its name as Ollama gives it (`llama3.2:latest`), and when it was last changed (epoch seconds). */
export interface PulledModel {
  name: string;
  modifiedAt?: number;
}

/** Longer names than this are not listed (Ollama's are `namespace/model:tag`, a few dozen characters). */
const MAX_NAME = 256;

/**
 * `/api/tags` beside the OpenAI-compatible base the gateway calls: Ollama serves that under `/v1`
 * of its root (the base URL is normalised to end there: ollama-base-url.ts), and its native API
 * under `/api` of the same root. A base without `/v1` (a relay's path) gets `/api/tags` appended.
 */
export function ollamaTagsUrl(baseUrl: string): string {
  const root = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${root}/api/tags`;
}

/**
 * The pulled models of a `/api/tags` answer, or null when it is not that shape (not an object
 * with a `models` array): a relay or another server that answered something else. Entries
 * without a usable name are left out; each name once.
 */
export function parseOllamaTags(body: unknown): PulledModel[] | null {
  const models = (body as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) return null;
  const out: PulledModel[] = [];
  const seen = new Set<string>();
  for (const m of models) {
    const name = (m as { name?: unknown } | null)?.name ?? (m as { model?: unknown } | null)?.model;
    if (typeof name !== 'string' || name === '' || name.length > MAX_NAME || /[\s\p{Cc}]/u.test(name) || seen.has(name)) continue;
    seen.add(name);
    const at = Date.parse(String((m as { modified_at?: unknown }).modified_at));
    out.push(Number.isFinite(at) && at > 0 ? { name, modifiedAt: Math.floor(at / 1000) } : { name });
  }
  return out;
}
