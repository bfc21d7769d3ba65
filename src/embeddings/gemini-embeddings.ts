import type { AppContext } from '../context';
import { ApiError, badRequest } from '../errors/api-error';
import { geminiModelId, googleJsonHeaders, joinUrl } from '../providers/shared/upstream-call';
import type { ProviderSettings } from '../providers/types';
import type { RouteTarget } from '../routing/types';
import { validCounts } from '../usage/usage-fields';
import type { EmbeddingInputs, EmbeddingResult } from './embeddings-types';
import { callJson, EmbeddingsTooLarge, malformed, type CallOptions } from './upstream-json';

/** Gemini's batchEmbedContents takes at most 100 requests per call. */
const GEMINI_BATCH = 100;
/**
 * Its request body may hold at most 4 MiB ("Request payload size exceeds the limit: 4194304
 * bytes"); a little under it, for the JSON around the requests.
 */
const GEMINI_BATCH_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/**
 * Where each batch starts: at most GEMINI_BATCH requests and GEMINI_BATCH_BYTES of JSON each (a
 * request that alone is larger goes alone, for Gemini's own 400), in order.
 */
export function batchStarts(requestBytes: readonly number[]): number[] {
  const starts: number[] = [];
  let bytes = 0;
  for (let i = 0; i < requestBytes.length; i++) {
    const n = requestBytes[i]! + 1; // the comma
    const full = starts.length > 0 && (i - starts.at(-1)! >= GEMINI_BATCH || bytes + n > GEMINI_BATCH_BYTES);
    if (starts.length === 0 || full) {
      starts.push(i);
      bytes = 0;
    }
    bytes += n;
  }
  return starts;
}

/**
 * Gemini's `:batchEmbedContents`, one request per input, `dimensions` as
 * `outputDimensionality`, the gateway's `task_type` as `taskType`. Larger inputs lists (more than 100,
 * or more than 4 MiB) are sent as several batches, in order. Vectors
 * are returned as Google sends them (a shortened vector is not renormalised). Gemini reports no
 * token usage for embeddings, so the caller estimates it. A failure after some batches were answered
 * carries them as spent (and the batch that was out, when the client left): the client gets the
 * error, the row bills what Google did.
 */
export async function geminiEmbeddings(
  ctx: AppContext, target: RouteTarget, inputs: EmbeddingInputs, settings: ProviderSettings, opts: CallOptions,
): Promise<EmbeddingResult> {
  if (inputs.kind === 'tokens') {
    throw badRequest(`Provider 'gemini' takes text inputs only, not token arrays.`, 'input', 'invalid_input');
  }
  const model = geminiModelId(target.upstreamModel);
  const headers = googleJsonHeaders(settings);
  const url = joinUrl(settings.baseUrl, `/v1beta/models/${encodeURIComponent(model)}:batchEmbedContents`);
  const vectors: number[][] = [];
  let promptTokens: number | null = null;
  let nonsense = false;
  const all = inputs.texts.map((text) =>
    JSON.stringify({
      model: `models/${model}`,
      content: { parts: [{ text }] },
      ...(inputs.dimensions !== null ? { outputDimensionality: inputs.dimensions } : {}),
      ...(inputs.taskType !== null ? { taskType: inputs.taskType } : {}),
    }),
  );
  const starts = batchStarts(all.map((r) => Buffer.byteLength(r)));
  for (const [b, i] of starts.entries()) {
    const end = starts[b + 1] ?? all.length;
    const batch = all.slice(i, end);
    const done = (err: unknown) => {
      // A client that left while this batch was out at Google (open-upstream marks it spent), or an
      // answer too large to read: Google has the batch and bills it.
      const out = (err instanceof ApiError && err.status === 499 && err.spent !== undefined) || err instanceof EmbeddingsTooLarge;
      if (err instanceof ApiError && i > 0) err.message = inRequestIndexes(err.message, i);
      return billedSoFar(ctx, err, inputs.texts.slice(0, i), nonsense ? null : promptTokens, out ? inputs.texts.slice(i, end) : []);
    };
    const body = `{"requests":[${batch.join(',')}]}`;
    const { json } = await callJson(ctx, target, { url, method: 'POST', headers, body }, opts).catch(async (e) => {
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
 * Google names a refused input by its index in the batch (`BatchEmbedContentsRequest.requests[37]`):
 * for a batch that starts at input `from`, the index in the client's `input` instead.
 */
const inRequestIndexes = (message: string, from: number) =>
  message.replace(/\brequests\[(\d+)\]/g, (_, n: string) => `requests[${Number(n) + from}]`);

/**
 * A later batch failed after earlier ones were answered, or the client left while a batch was out:
 * Google bills those all the same, so the error carries them as spent (proxy/walk-targets.ts),
 * counted as it reported or by the tokenizer; the batch out when the client left is counted by the
 * tokenizer, and the batches never sent are not billed.
 */
async function billedSoFar(
  ctx: Pick<AppContext, 'tokenCounter'>, err: unknown, answered: string[], reported: number | null, inFlight: readonly string[],
): Promise<unknown> {
  if (answered.length + inFlight.length === 0 || !(err instanceof ApiError)) return err;
  const count = async (texts: readonly string[]) => (texts.length === 0 ? 0 : (await ctx.tokenCounter.count(texts)).reduce((a, n) => a + n, 0));
  const input = (reported ?? (await count(answered))) + (await count(inFlight));
  err.spent = { usage: { input, cachedInput: 0, output: 0, reasoning: 0, estimated: reported === null || inFlight.length > 0 }, text: '' };
  return err;
}
