import type { AppContext } from '../context';
import { bearerJsonPost } from '../providers/shared/upstream-call';
import type { ProviderSettings, UpstreamCall } from '../providers/types';
import type { RouteTarget } from '../routing/types';
import { validCounts } from '../usage/usage-fields';
import type { EmbeddingRequest, EmbeddingResult } from './embeddings-types';
import { callJson, malformed, type CallOptions } from './upstream-json';
import { modelWithoutEmbeddings } from './model-without-embeddings';

/** POST `<base>/embeddings`: OpenAI's and Ollama's OpenAI-compatible API. */
export function postEmbeddings(settings: ProviderSettings, body: unknown): UpstreamCall {
  return bearerJsonPost(settings, '/embeddings', body);
}

/** The prompt tokens the upstream reported; null (estimated instead) when none or nonsense (negative, a string). */
export const reportedTokens = (json: any): number | null => {
  const n = json?.usage?.prompt_tokens;
  return validCounts(n) ? Math.round(n) : null;
};

/**
 * The client's body for OpenAI: the concrete model id; without the gateway's own `task_type`
 * (OpenAI would refuse it as unknown) nor fields set to null. The gateway reads null as "not
 * set", as the SDKs' types allow (`dimensions?: number | null`), but OpenAI's API refuses an
 * explicit null in some fields (`encoding_format`, `dimensions`) as a value of the wrong type.
 */
export function openaiEmbeddingBody(req: EmbeddingRequest, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req)) if (v !== null && k !== 'task_type') body[k] = v;
  body.model = model;
  return body;
}

/**
 * OpenAI: the client's body as sent (openaiEmbeddingBody), the answer byte for byte, except that
 * floats are asked for as base64 and decoded here (floatAnswer): OpenAI's float JSON is ~4x
 * larger, and for 2,048 inputs of text-embedding-3-large (~138 MB) past what the gateway reads
 * of an answer (MAX_UPSTREAM_BODY_BYTES); the values are the same float32s either way.
 */
export async function openaiEmbeddings(
  ctx: AppContext, target: RouteTarget, req: EmbeddingRequest, settings: ProviderSettings, opts: CallOptions,
): Promise<EmbeddingResult> {
  const body = openaiEmbeddingBody(req, target.upstreamModel);
  const floats = body.encoding_format === undefined || body.encoding_format === 'float';
  if (floats) body.encoding_format = 'base64';
  const { text, json } = await callJson(ctx, target, postEmbeddings(settings, body), opts).catch((err: unknown) => {
    throw modelWithoutEmbeddings(err, target.upstreamModel);
  });
  if (!Array.isArray(json?.data)) throw malformed(target.provider, 'a data list');
  const model = typeof json.model === 'string' ? json.model : target.upstreamModel;
  return { raw: floats ? floatAnswer(target.provider, text, json) : text, model, promptTokens: reportedTokens(json) };
}

/**
 * The answer to a float request, its base64 vectors decoded: OpenAI's bytes are little-endian
 * float32s, and each comes out as JavaScript prints the float32 widened to a double, as OpenAI's
 * own float JSON prints it. An upstream that answered floats anyway (an OpenAI-compatible server
 * without base64) is sent as it came.
 */
function floatAnswer(provider: string, text: string, json: any): string {
  let decoded = false;
  for (const d of json.data) {
    if (typeof d?.embedding !== 'string') continue;
    const bytes = Buffer.from(d.embedding, 'base64');
    if (bytes.byteLength % 4 !== 0) throw malformed(provider, 'whole float32 vectors');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const v = new Array<number>(bytes.byteLength / 4);
    for (let i = 0; i < v.length; i++) v[i] = view.getFloat32(i * 4, true);
    d.embedding = v;
    decoded = true;
  }
  return decoded ? JSON.stringify(json) : text;
}
