import { badRequest } from '../errors/api-error';
import { checkModelName } from '../routing/model-name';
import type { ProviderId } from '../providers/types';
import type { ImageRequest } from './images-types';

/** The most `n` any image API takes (OpenAI's and xAI's limit). */
export const MAX_IMAGES = 10;

/**
 * The most images one call to a model can make: dall-e-3 and gemini-*-image make one, Imagen
 * four, the others (dall-e-2, gpt-image-*, xAI) MAX_IMAGES. The plans refuse a larger `n` with a
 * 400; a group skips the targets that would (generate-images.ts), and a budget reserves only for
 * those that can (limits/worst-case.ts).
 */
export function maxImagesPerCall(provider: ProviderId, model: string): number {
  if (provider === 'openai' && model === 'dall-e-3') return 1;
  if (provider === 'gemini' && /^imagen-/i.test(model)) return 4;
  if (provider === 'gemini' && /^gemini-.*image/i.test(model)) return 1;
  return MAX_IMAGES;
}

/**
 * Options OpenAI's API types as strings. Another type is a 400 naming it: the plans compare them
 * as text, and an object with its own `toString` key made that throw (a 500).
 */
const STRING_PARAMS = ['size', 'quality', 'style', 'background', 'moderation', 'output_format', 'user'] as const;

/** Checks every provider agrees on; returns `n` (default 1). */
export function checkCommonParams(req: ImageRequest): number {
  if (typeof req.prompt !== 'string' || !req.prompt.trim()) throw badRequest("'prompt' is required.", 'prompt');
  for (const p of STRING_PARAMS) if (req[p] != null && typeof req[p] !== 'string') throw badRequest(`'${p}' must be a string.`, p);
  const n = req.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_IMAGES) throw badRequest(`'n' must be an integer from 1 to ${MAX_IMAGES}.`, 'n');
  if (req.response_format != null && req.response_format !== 'url' && req.response_format !== 'b64_json') {
    throw badRequest("'response_format' must be 'url' or 'b64_json'.", 'response_format');
  }
  return n;
}

/**
 * The body of POST /v1/images/generations as the /v1 prelude checks it, before admission: an
 * object naming its model, not asking to stream, and with what every provider agrees on
 * (checkCommonParams). What a model cannot honour is its plan's 400, once routed.
 */
export function validateImageRequest(body: unknown): ImageRequest {
  // As the other endpoints say it: `[]` or `null` is not a request missing its model.
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.');
  const req = body as ImageRequest;
  if (typeof req.model !== 'string' || !req.model) throw badRequest("'model' is required.", 'model');
  checkModelName(req.model);
  if (req.stream) throw badRequest('Streaming image generation is not supported by the gateway.', 'stream', 'unsupported_parameter');
  checkCommonParams(req);
  return req;
}

/** A 400 naming the parameter the model cannot honour, instead of silently dropping it. */
export function unsupported(param: string, model: string, detail = ''): never {
  throw badRequest(`'${param}' is not supported by model '${model}'${detail ? `: ${detail}` : '.'}`, param, 'unsupported_parameter');
}

/** Rejects any of `params` that the request sets to a value other than the allowed no-op ones. */
export function refuseParams(req: ImageRequest, model: string, params: string[], noop: Record<string, unknown[]> = {}): void {
  for (const p of params) {
    const v = req[p];
    if (v === undefined || v === null) continue;
    if (noop[p]?.includes(v)) continue;
    unsupported(p, model);
  }
}

/** `WxH` -> the supported aspect ratio within 3%, or a 400 listing what works. */
export function sizeToAspectRatio(size: string | null | undefined, ratios: string[], model: string): string | undefined {
  if (size === undefined || size === null || size === 'auto') return undefined;
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (m) {
    const want = Number(m[1]) / Number(m[2]);
    for (const r of ratios) {
      const [w, h] = r.split(':').map(Number);
      if (Math.abs(want / (w! / h!) - 1) < 0.03) return r;
    }
  }
  return unsupported('size', model, `use WIDTHxHEIGHT with an aspect ratio of ${ratios.join(', ')} (e.g. 1024x1024, 1792x1024, 1024x1792).`);
}

/** A data: URI for an inline image, what the gateway answers in `url` for providers that return bytes. */
export function dataUri(mimeType: string | undefined, b64: string): string {
  return `data:${mimeType || 'image/png'};base64,${b64}`;
}
