import type { ModelEntry } from '../providers/model-entry';
import type { AllowList } from './limit-types';
import { ollamaTagTwin, ollamaTwin, prefixedOllamaTwin } from '../providers/ollama/ollama-tag';

/** Compiles `models` as stored (null or empty: every model) into sets read per request. */
export function compileAllowList(names: readonly string[] | null | undefined): AllowList | null {
  if (!names || names.length === 0) return null;
  const exact = new Set<string>();
  const providers = new Set<string>();
  let any = false;
  for (const n of names) {
    if (n === '*') any = true;
    else if (n.endsWith('/*')) providers.add(n.slice(0, -2));
    else exact.add(n);
  }
  return any ? null : { any, exact, providers };
}

/**
 * Whether `name`, as the client sent it, is allowed: listed exactly (an id, `provider/model` or
 * a group name) or, for an Ollama model, under its other spelling of the `:latest` tag (Ollama
 * serves both as one model: `ollama/llama3.2` listed allows the pulled `ollama/llama3.2:latest`
 * that /v1/models shows, `llama3:latest` the seeded `llama3`), or named as `provider/...` of a listed `provider/*`, or a bare id whose models-table
 * entry belongs to a listed provider. A group is judged by its name only, so an allowed group may
 * route to targets the list does not name.
 */
export function isModelAllowed(list: AllowList | null, name: string, models: ReadonlyMap<string, ModelEntry>): boolean {
  if (list === null || list.any || list.exact.has(name)) return true;
  const twin = ollamaSpelling(name, models);
  if (twin !== null && list.exact.has(twin)) return true;
  if (list.providers.size === 0) return false;
  const slash = name.indexOf('/');
  if (slash > 0 && list.providers.has(name.slice(0, slash))) return true;
  const entry = models.get(name) ?? ollamaTwin(name, models);
  return entry !== undefined && list.providers.has(entry.provider);
}

/** An Ollama model's name under the other spelling of its `:latest` tag (ollama-tag.ts), else null. */
function ollamaSpelling(name: string, models: ReadonlyMap<string, ModelEntry>): string | null {
  if (name.startsWith('ollama/')) return prefixedOllamaTwin(name);
  return models.get(name)?.provider === 'ollama' || ollamaTwin(name, models) ? ollamaTagTwin(name) : null;
}

/**
 * Whether a request naming `model` and served as `routed` (the name a Claude alias on /v1/messages
 * routes by, messages/claude-model-alias.ts; `model` itself otherwise) is allowed: what is served
 * must be. The alias is allowed as listed, or as the model named when it is that very model at
 * Anthropic (`anthropic/<model>`); a list naming a Claude id (or `anthropic/*`) does not reach the
 * group or seeded tier (`heavy-logic`, `fast-flow`: other providers' models) the alias goes to
 * while Anthropic cannot serve it.
 */
export function isRouteAllowed(list: AllowList | null, model: string, routed: string, models: ReadonlyMap<string, ModelEntry>): boolean {
  if (isModelAllowed(list, routed, models)) return true;
  return routed !== model && routed === `anthropic/${model}` && isModelAllowed(list, model, models);
}
