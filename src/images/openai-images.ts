import { UpstreamError } from '../errors/api-error';
import { bearerJsonPost } from '../providers/shared/upstream-call';
import type { ProviderSettings } from '../providers/types';
import type { Usage } from '../usage/types';
import { checkCommonParams, dataUri, maxImagesPerCall, unsupported } from './image-params';
import type { ImagePlan, ImageRequest, ImageResult } from './images-types';

const DALLE2_SIZES = ['256x256', '512x512', '1024x1024'];
const DALLE3_SIZES = ['1024x1024', '1792x1024', '1024x1792'];
const GPT_IMAGE_SIZES = ['auto', '1024x1024', '1536x1024', '1024x1536'];

/**
 * OpenAI's own limits, checked before the call so the client gets a 400 naming the parameter.
 * Unknown OpenAI model ids are passed through unchecked (OpenAI answers for them).
 */
function checkOpenAIParams(req: ImageRequest, model: string, n: number): void {
  const has = (p: string) => req[p] !== undefined && req[p] !== null;
  if (model === 'dall-e-2') {
    if (has('size') && !DALLE2_SIZES.includes(String(req.size))) unsupported('size', model, `use one of ${DALLE2_SIZES.join(', ')}.`);
    if (has('style')) unsupported('style', model);
    if (has('quality') && req.quality !== 'standard') unsupported('quality', model, "only 'standard'.");
  } else if (model === 'dall-e-3') {
    if (n > maxImagesPerCall('openai', model)) unsupported('n', model, 'dall-e-3 generates one image per request (n=1).');
    if (has('size') && !DALLE3_SIZES.includes(String(req.size))) unsupported('size', model, `use one of ${DALLE3_SIZES.join(', ')}.`);
    if (has('style') && req.style !== 'vivid' && req.style !== 'natural') unsupported('style', model, "use 'vivid' or 'natural'.");
    if (has('quality') && !['standard', 'hd'].includes(String(req.quality))) unsupported('quality', model, "use 'standard' or 'hd'.");
  } else if (model.startsWith('gpt-image')) {
    if (has('size') && !GPT_IMAGE_SIZES.includes(String(req.size))) unsupported('size', model, `use one of ${GPT_IMAGE_SIZES.join(', ')}.`);
    if (has('style')) unsupported('style', model);
    if (has('quality') && !['low', 'medium', 'high', 'auto'].includes(String(req.quality))) {
      unsupported('quality', model, "use 'low', 'medium', 'high' or 'auto'.");
    }
  }
}

/**
 * OpenAI images: the client's body goes upstream as sent (concrete model id), and the answer
 * comes back byte for byte. gpt-image-* always answers base64 and refuses `response_format`,
 * so for those the field is dropped and, only when the client asked for `url` by name, the image
 * is handed back as a data: URI. Without the field the answer stays OpenAI's `b64_json`: clients
 * written for gpt-image read `data[0].b64_json` (OpenAI's own example, the Vercel AI SDK).
 */
export function planOpenAIImages(req: ImageRequest, model: string, settings: ProviderSettings): ImagePlan {
  const n = checkCommonParams(req);
  checkOpenAIParams(req, model, n);
  const gptImage = model.startsWith('gpt-image');
  const body: Record<string, unknown> = { ...req, model };
  const wantsUrl = req.response_format === 'url';
  if (gptImage) delete body.response_format;
  return {
    call: bearerJsonPost(settings, '/images/generations', body),
    parse(json: any, rawText: string): ImageResult {
      // Without it the client's SDK gets a 200 it cannot read an image from, and the row bills none.
      if (!Array.isArray(json?.data)) throw new UpstreamError('openai', null, "Upstream OpenAI (openai) answered without a 'data' array of images.", true);
      const data: any[] = json.data;
      const usage = json?.usage ? normalizeImageUsage(json.usage) : null;
      if (gptImage && wantsUrl) {
        const mime = `image/${json?.output_format ?? 'png'}`;
        const converted = data.map((d: any) => {
          const { b64_json, ...rest } = d;
          return b64_json ? { ...rest, url: dataUri(mime, b64_json) } : d;
        });
        return { body: { ...json, data: converted }, images: data.length, usage };
      }
      return { raw: rawText, body: json, images: data.length, usage };
    },
  };
}

/** gpt-image usage ({input_tokens, output_tokens}) -> canonical Usage (no cache, no reasoning). */
function normalizeImageUsage(u: any): Usage {
  return { input: Number(u.input_tokens) || 0, cachedInput: 0, output: Number(u.output_tokens) || 0, reasoning: 0 };
}
