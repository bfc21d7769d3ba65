import type { RouteDecision, RouteTarget } from '../routing';
import { keepTargets } from '../routing/keep-targets';
import type { EmbeddingInputs } from './embeddings-types';

/** Providers with an embeddings API the gateway speaks (create-embeddings.ts embedOn). */
const EMBEDDING_PROVIDERS: ReadonlySet<string> = new Set(['openai', 'gemini', 'ollama', 'mock']);
/** Of those, the ones that take token-id inputs (Gemini and Ollama take text only). */
const TOKEN_INPUT_PROVIDERS: ReadonlySet<string> = new Set(['openai', 'mock']);

/** Whether this target can embed these inputs at all, without calling it. */
export function canEmbed(t: RouteTarget, inputs: Pick<EmbeddingInputs, 'kind'>): boolean {
  if (t.entry?.kind === 'image' || !EMBEDDING_PROVIDERS.has(t.provider)) return false;
  return inputs.kind === 'text' || TOKEN_INPUT_PROVIDERS.has(t.provider);
}

/**
 * A group's targets that can embed the request: a DeepSeek or image model first in a group (or a
 * Gemini one before token arrays) must not turn the request into a 400 when a later target can
 * take it. When none can, the decision is kept whole, so the first target's own 400 says why.
 */
export function targetsForEmbeddings(decision: RouteDecision, inputs: Pick<EmbeddingInputs, 'kind'>): RouteDecision {
  return keepTargets(decision, (t) => canEmbed(t, inputs), 'they cannot embed this input') ?? decision;
}
