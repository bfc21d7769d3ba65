import { badRequest } from '../errors/api-error';
import { BilledError } from '../errors/billed-error';
import { googleJsonHeaders, joinUrl } from '../providers/shared/upstream-call';
import type { ProviderSettings } from '../providers/types';
import type { Usage } from '../usage/types';
import { normalizeGeminiUsage } from '../usage/gemini-usage';
import { checkCommonParams, dataUri, maxImagesPerCall, refuseParams, sizeToAspectRatio, unsupported } from './image-params';
import type { ImagePlan, ImageRequest, ImageResult } from './images-types';

/** Aspect ratios gemini-*-image models accept in `imageConfig.aspectRatio`. */
const GEMINI_IMAGE_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];

interface GeminiImageResponse {
  candidates?: { content?: { parts?: { text?: string; inlineData?: { mimeType?: string; data?: string } }[] }; finishReason?: string }[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number };
}

/**
 * Finish reasons of a Gemini answer cut by Google's safety or policy filters. Others (`STOP` with
 * only text, `NO_IMAGE`, `MAX_TOKENS`, `OTHER`) mean the model made no image for its own reasons.
 */
const BLOCKED = /SAFETY|PROHIBITED|BLOCKLIST|SPII|RECITATION/;

/**
 * The 400 of an answer without an image: a block names Google's reason (content_policy_violation);
 * a model that answered with text alone ("I can't draw that") gets its words in the message.
 * Google bills the tokens of an answer without an image all the same: the error carries them.
 */
function noImage(json: GeminiImageResponse, text: string, usage: Usage | null) {
  const block = json?.promptFeedback?.blockReason;
  const finish = json?.candidates?.[0]?.finishReason;
  const param = 'prompt';
  const e = block || (finish && BLOCKED.test(finish))
    ? { message: `The image was blocked by the provider's safety filter (${block ?? finish}).`, code: 'content_policy_violation' }
    : { message: `The provider returned no image for this prompt${finish ? ` (${finish})` : ''}.${said(text)}`, code: 'no_image' };
  return usage ? new BilledError({ status: 400, type: 'invalid_request_error', param, ...e, usage }) : badRequest(e.message, param, e.code);
}

function said(text: string): string {
  return text ? ` The model answered: ${text.length > 500 ? `${text.slice(0, 500)}…` : text}` : '';
}

/**
 * gemini-*-image models (Imagen's successors) through `generateContent` with
 * `responseModalities: ["IMAGE"]`; the image comes back in `inlineData`. One image per call:
 * these models do not take `candidateCount`.
 */
export function planGeminiImage(req: ImageRequest, model: string, settings: ProviderSettings): ImagePlan {
  const n = checkCommonParams(req);
  if (n > maxImagesPerCall('gemini', model)) unsupported('n', model, 'Gemini image models generate one image per request (n=1).');
  refuseParams(req, model, ['style', 'quality', 'background', 'moderation', 'output_format', 'output_compression'], {
    quality: ['standard', 'auto'],
    background: ['auto'],
    moderation: ['auto'],
    output_format: ['png'],
  });
  const generationConfig: Record<string, unknown> = { responseModalities: ['IMAGE'] };
  const aspectRatio = sizeToAspectRatio(req.size, GEMINI_IMAGE_RATIOS, model);
  if (aspectRatio) generationConfig.imageConfig = { aspectRatio };
  const wantsB64 = req.response_format === 'b64_json';
  const headers = googleJsonHeaders(settings);
  return {
    call: {
      url: joinUrl(settings.baseUrl, `/v1beta/models/${encodeURIComponent(model)}:generateContent`),
      method: 'POST',
      headers,
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: req.prompt }] }], generationConfig }),
    },
    parse(json: GeminiImageResponse): ImageResult {
      const parts = json?.candidates?.flatMap((c) => c.content?.parts ?? []) ?? [];
      const images = parts.filter((p) => p.inlineData?.data);
      const revised = parts.map((p) => p.text ?? '').join('').trim();
      const um = json?.usageMetadata;
      const usage = normalizeGeminiUsage(um);
      if (images.length === 0) throw noImage(json, revised, usage);
      const data = images.map((p) => {
        const d: { url?: string; b64_json?: string; revised_prompt?: string } = wantsB64
          ? { b64_json: p.inlineData!.data! }
          : { url: dataUri(p.inlineData!.mimeType, p.inlineData!.data!) };
        if (revised) d.revised_prompt = revised;
        return d;
      });
      const body: ImageResult['body'] = { created: Math.floor(Date.now() / 1000), data };
      if (usage) {
        body.usage = {
          input_tokens: usage.input,
          input_tokens_details: { text_tokens: usage.input, image_tokens: 0 },
          output_tokens: usage.output,
          output_tokens_details: { image_tokens: um?.candidatesTokenCount ?? 0, text_tokens: 0 },
          total_tokens: usage.input + usage.output,
        };
      }
      return { body, images: data.length, usage };
    },
  };
}
