import type { ModelEntry } from '../model-entry';

/**
 * Ollama names a model `name:tag` and takes a name without a tag as `name:latest` (`ollama pull
 * llama3.2` stores `llama3.2:latest`, and its API answers to both). The other spelling of `name`
 * under that rule, or null when it has a tag other than `latest` (or an empty name).
 */
export function ollamaTagTwin(name: string): string | null {
  if (name.endsWith(':latest')) return name.length > ':latest'.length ? name.slice(0, -':latest'.length) : null;
  return name && !name.includes(':') ? `${name}:latest` : null;
}

/** `ollama/<name>` under the other spelling of its tag (`ollama/llama3.2` -> `ollama/llama3.2:latest`); null for any other id. */
export function prefixedOllamaTwin(id: string): string | null {
  if (!id.startsWith('ollama/')) return null;
  const twin = ollamaTagTwin(id.slice('ollama/'.length));
  return twin === null ? null : `ollama/${twin}`;
}

/**
 * An Ollama model of the table under its other spelling: `llama3.2` asked for where
 * `llama3.2:latest` is listed (as `ollama list` shows it), or `llama3:latest` for the seeded
 * `llama3`. Ollama serves both as one model, so the gateway's 404 for the one it would serve
 * surprised clients that named the model as Ollama's docs do. Looked up only after a miss (every
 * group name misses first), so it reads a map of the twins made once per models map instead of
 * building the other spelling of each name it is asked.
 */
export function ollamaTwin(name: string, models: ReadonlyMap<string, ModelEntry>): ModelEntry | undefined {
  let twins = twinsByModels.get(models);
  if (!twins) twinsByModels.set(models, (twins = ollamaTwins(models)));
  return twins.get(name);
}

/** Each Ollama model's other spelling -> the model (ollamaTagTwin is its own inverse). */
function ollamaTwins(models: ReadonlyMap<string, ModelEntry>): Map<string, ModelEntry> {
  const twins = new Map<string, ModelEntry>();
  for (const [id, entry] of models) {
    const twin = entry.provider === 'ollama' ? ollamaTagTwin(id) : null;
    if (twin !== null) twins.set(twin, entry);
  }
  return twins;
}

/** A cache of a pure function of an immutable map (a snapshot's models), dropped with the map. */
const twinsByModels = new WeakMap<ReadonlyMap<string, ModelEntry>, Map<string, ModelEntry>>();
