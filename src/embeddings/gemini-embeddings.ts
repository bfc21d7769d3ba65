import type { AppContext } from '../context';
import { ApiError, badRequest } from '../errors/api-error';
import { geminiModelId, googleJsonHeaders, joinUrl } from '../providers/shared/upstream-call';
import type { ProviderSettings } from '../providers/types';
import type { RouteTarget } from '../routing/types';
import { validCounts } from '../usage/usage-fields';
import type { EmbeddingInputs, EmbeddingResult } from './embeddings-types';
import { EmbeddingData } from './embedding-body';
import { embedInBatches } from './embedding-batches';
import { callJson, malformed, type CallOptions } from './upstream-json';

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
  const all = inputs.texts.map((text) =>
    JSON.stringify({
      model: `models/${model}`,
      content: { parts: [{ text }] },
      ...(inputs.dimensions !== null ? { outputDimensionality: inputs.dimensions } : {}),
      ...(inputs.taskType !== null ? { taskType: inputs.taskType } : {}),
    }),
  );
  const starts = batchStarts(all.map((r) => Buffer.byteLength(r)));
  const data = new EmbeddingData(inputs.encodingFormat);
  const nextEnd = (from: number) => starts[starts.indexOf(from) + 1] ?? all.length;
  const promptTokens = await embedInBatches(ctx, inputs.texts, data, nextEnd, async (from, end) => {
    const body = `{"requests":[${all.slice(from, end).join(',')}]}`;
    const { json } = await callJson(ctx, target, { url, method: 'POST', headers, body }, opts).catch((err: unknown) => {
      if (err instanceof ApiError && from > 0) err.message = inRequestIndexes(err.message, from);
      throw err;
    });
    const got: any[] = Array.isArray(json?.embeddings) ? json.embeddings : [];
    if (got.length !== end - from || !got.every((e) => Array.isArray(e?.values))) throw malformed(target.provider, 'one vector per input');
    // Not sent by the API today; read in case Google starts to (a nonsense count is no count).
    const n = json?.usageMetadata?.promptTokenCount;
    return { vectors: got.map((e) => e.values), promptTokens: validCounts(n) ? Math.round(n) : null };
  });
  return { data, model, promptTokens };
}

/**
 * Google names a refused input by its index in the batch (`BatchEmbedContentsRequest.requests[37]`):
 * for a batch that starts at input `from`, the index in the client's `input` instead.
 */
const inRequestIndexes = (message: string, from: number) =>
  message.replace(/\brequests\[(\d+)\]/g, (_, n: string) => `requests[${Number(n) + from}]`);
