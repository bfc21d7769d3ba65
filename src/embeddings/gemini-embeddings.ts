import type { AppContext } from '../context';
import { ApiError, badRequest } from '../errors/api-error';
import { joinUrl } from '../providers/shared/upstream-call';
import type { ProviderSettings } from '../providers/types';
import type { RouteTarget } from '../routing/types';
import { validCounts } from '../usage/usage-fields';
import type { EmbeddingInputs, EmbeddingResult } from './embeddings-types';
import { callJson, malformed, type CallOptions } from './upstream-json';

/** Gemini's batchEmbedContents takes at most 100 requests per call. */
const GEMINI_BATCH = 100;

/**
 * Gemini's `:batchEmbedContents`, one request per input, `dimensions` as
 * `outputDimensionality`, the gateway's `task_type` as `taskType`. Larger inputs lists are sent as several batches, in order. Vectors
 * are returned as Google sends them (a shortened vector is not renormalised). Gemini reports no
 * token usage for embeddings, so the caller estimates it. A failure after some batches were answered
 * carries them as spent: the client gets the error, the row bills what Google did.
 */
export async function geminiEmbeddings(
  ctx: AppContext, target: RouteTarget, inputs: EmbeddingInputs, settings: ProviderSettings, opts: CallOptions,
): Promise<EmbeddingResult> {
  if (inputs.kind === 'tokens') {
    throw badRequest(`Provider 'gemini' takes text inputs only, not token arrays.`, 'input', 'invalid_input');
  }
  const model = target.upstreamModel;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (settings.apiKey) headers['x-goog-api-key'] = settings.apiKey;
  const url = joinUrl(settings.baseUrl, `/v1beta/models/${encodeURIComponent(model)}:batchEmbedContents`);
  const vectors: number[][] = [];
  let promptTokens: number | null = null;
  let nonsense = false;
  for (let i = 0; i < inputs.texts.length; i += GEMINI_BATCH) {
    const batch = inputs.texts.slice(i, i + GEMINI_BATCH);
    const done = (err: unknown) => billedSoFar(ctx, err, inputs.texts.slice(0, i), nonsense ? null : promptTokens);
    const requests = batch.map((text) => ({
      model: `models/${model}`,
      content: { parts: [{ text }] },
      ...(inputs.dimensions !== null ? { outputDimensionality: inputs.dimensions } : {}),
      ...(inputs.taskType !== null ? { taskType: inputs.taskType } : {}),
    }));
    const { json } = await callJson(ctx, target, { url, method: 'POST', headers, body: JSON.stringify({ requests }) }, opts).catch(async (e) => {
      throw await done(e);
    });
    const got: any[] = Array.isArray(json?.embeddings) ? json.embeddings : [];
    if (got.length !== batch.length || !got.every((e) => Array.isArray(e?.values))) throw await done(malformed(target.provider, 'one vector per input'));
    for (const e of got) vectors.push(e.values);
    // Not sent by the API today; read in case Google starts to.
    const n = json?.usageMetadata?.promptTokenCount;
    if (validCounts(n)) promptTokens = (promptTokens ?? 0) + Math.round(n);
    else if (n !== undefined && n !== null) nonsense = true;
  }
  // A nonsense count (negative, a string) is no count: the prompt is estimated instead.
  return { vectors, model, promptTokens: nonsense ? null : promptTokens };
}

/**
 * A later batch failed after earlier ones were answered: Google bills those all the same, so the
 * error carries them as spent (proxy/walk-targets.ts), counted as it reported or by the tokenizer.
 */
async function billedSoFar(ctx: Pick<AppContext, 'tokenCounter'>, err: unknown, answered: string[], reported: number | null): Promise<unknown> {
  if (answered.length === 0 || !(err instanceof ApiError)) return err;
  const input = reported ?? (await ctx.tokenCounter.count(answered)).reduce((a, n) => a + n, 0);
  err.spent = { usage: { input, cachedInput: 0, output: 0, reasoning: 0, estimated: reported === null }, text: '' };
  return err;
}
