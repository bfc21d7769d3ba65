import type { ModelEntry } from '../../state/snapshot-types';

/**
 * Ollama names a model `name:tag` and takes a name without a tag as `name:latest` (`ollama pull
 * llama3.2` stores `llama3.2:latest`, and its API answers to both). The other spelling of `name`
 * under that rule, or null when it has a tag other than `latest` (or an empty name).
 */
export function ollamaTagTwin(name: string): string | null {
  if (name.endsWith(':latest')) return name.length > ':latest'.length ? name.slice(0, -':latest'.length) : null;
  return name && !name.includes(':') ? `${name}:latest` : null;
}

/**
 * An Ollama model of the table under its other spelling: `llama3.2` asked for where
 * `llama3.2:latest` is listed (as `ollama list` shows it), or `llama3:latest` for the seeded
 * `llama3`. Ollama serves both as one model, so the gateway's 404 for the one it would serve
 * surprised clients that named the model as Ollama's docs do. Looked up only after a miss.
 */
export function ollamaTwin(name: string, models: ReadonlyMap<string, ModelEntry>): ModelEntry | undefined {
  const twin = ollamaTagTwin(name);
  const entry = twin === null ? undefined : models.get(twin);
  return entry?.provider === 'ollama' ? entry : undefined;
}
