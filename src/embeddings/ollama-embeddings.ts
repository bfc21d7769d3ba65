import type { AppContext } from '../context';
import { badRequest } from '../errors/api-error';
import { MAX_UPSTREAM_BODY_BYTES } from '../providers/shared/read-capped';
import type { ProviderSettings } from '../providers/types';
import type { RouteTarget } from '../routing/types';
import { embedInBatches } from './embedding-batches';
import { EmbeddingData } from './embedding-body';
import type { EmbeddingInputs, EmbeddingResult } from './embeddings-types';
import { postEmbeddings, reportedTokens } from './openai-embeddings';
import { callJson, malformed, type CallOptions } from './upstream-json';
import { modelWithoutEmbeddings } from './model-without-embeddings';

/**
 * The most a value takes in Ollama's float JSON: Go prints each float32 widened to a float64,
 * `-1.1754943508222875e-38,` at the longest (~21 bytes is usual).
 */
const VALUE_BYTES = 24;
/** What a vector takes beside its values: `{"object":"embedding","embedding":[],"index":2047},`. */
const VECTOR_BYTES = 64;
/**
 * Each call's answer is planned at a quarter of what the gateway reads of one (32 MiB of 128):
 * well under it even for a model four times wider than planned for, and one call's answer text
 * and its numbers are all that is held of it at once.
 */
const CALL_ANSWER_BYTES = MAX_UPSTREAM_BODY_BYTES / 4;
/**
 * The width planned for until Ollama has answered: the widest embedding models Ollama serves
 * (qwen3-embedding:8b, 4,096; nomic-embed-text has 768, mxbai-embed-large and bge-m3 1,024).
 * Not the `dimensions` asked: an Ollama too old for them sends the model's whole vectors.
 */
export const OLLAMA_ASSUMED_WIDTH = 4096;

/** How many vectors of `width` values one call may answer (at least one). */
export const ollamaPerCall = (width: number) => Math.max(1, Math.floor(CALL_ANSWER_BYTES / (width * VALUE_BYTES + VECTOR_BYTES)));

/**
 * Where the batch that starts at `from` (of `count` inputs) ends: the inputs left split evenly
 * into as few calls as keep each answer within CALL_ANSWER_BYTES for vectors of `width` values
 * (2,048 inputs of 4,096: seven calls of 293, not six of 341 and one of 2).
 */
export function ollamaBatchEnd(from: number, count: number, width: number): number {
  const left = count - from;
  return from + Math.ceil(left / Math.ceil(left / ollamaPerCall(width)));
}

/**
 * Ollama's OpenAI-compatible /v1/embeddings. Floats are always asked for (Ollama has no base64;
 * it is encoded by the gateway, the same for every provider); Ollama takes text only, so token
 * arrays get a 400. `dimensions` is sent, and honoured here too when the Ollama is one that
 * ignores it.
 *
 * A float answer is large (2,048 vectors of 4,096 values: ~180 MB, past the 128 MiB the gateway
 * reads of one), so the inputs are sent in batches (ollamaBatchEnd), one after another
 * (embedInBatches): the first sized for OLLAMA_ASSUMED_WIDTH (or the wider `dimensions` asked),
 * the rest for the width Ollama answered with, which for most models makes them one call. One at
 * a time, as Ollama on one GPU runs a call's inputs together already: calls at once would queue
 * at its runner and only hold more answers in memory. Usage is the sum of Ollama's counts.
 */
export async function ollamaEmbeddings(
  ctx: AppContext, target: RouteTarget, inputs: EmbeddingInputs, settings: ProviderSettings, opts: CallOptions,
): Promise<EmbeddingResult> {
  if (inputs.kind === 'tokens') {
    throw badRequest(`Provider 'ollama' takes text inputs only, not token arrays.`, 'input', 'invalid_input');
  }
  const { texts, dimensions: dims } = inputs;
  // The longest vector Ollama has answered with so far (0: none yet).
  let seen = 0;
  const nextEnd = (from: number) => ollamaBatchEnd(from, texts.length, seen || Math.max(dims ?? 0, OLLAMA_ASSUMED_WIDTH));
  const data = new EmbeddingData(inputs.encodingFormat);
  const promptTokens = await embedInBatches(ctx, texts, data, nextEnd, async (from, end) => {
    const body: Record<string, unknown> = { model: target.upstreamModel, input: texts.slice(from, end), encoding_format: 'float' };
    if (dims !== null) body.dimensions = dims;
    const { json } = await callJson(ctx, target, postEmbeddings(settings, body), opts).catch((err: unknown) => {
      throw modelWithoutEmbeddings(err, target.upstreamModel);
    });
    const got: any[] = Array.isArray(json?.data) ? [...json.data] : [];
    if (got.length !== end - from || !got.every((d) => Array.isArray(d?.embedding))) {
      throw malformed(target.provider, 'one vector per input');
    }
    got.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    for (const d of got) seen = Math.max(seen, d.embedding.length);
    return { vectors: got.map((d) => (dims === null ? d.embedding : shortened(d.embedding, dims))), promptTokens: reportedTokens(json) };
  });
  return { data, model: target.upstreamModel, promptTokens };
}

/**
 * A vector cut to `dims` values and scaled back to unit length: what Ollama does itself for
 * `dimensions` since it takes the field (an older Ollama ignores it and sends the model's whole
 * vector). A vector no longer than `dims` is returned as sent (Ollama's answer when a model's
 * vectors are shorter than asked).
 */
function shortened(v: number[], dims: number): number[] {
  if (v.length <= dims) return v;
  const cut = v.slice(0, dims);
  const norm = Math.sqrt(cut.reduce((a, x) => a + x * x, 0));
  return norm > 0 ? cut.map((x) => x / norm) : cut;
}
