import { badRequest } from '../errors/api-error';
import { BilledError } from '../errors/billed-error';
import { bearerJsonPost } from '../providers/shared/upstream-call';
import type { ProviderSettings } from '../providers/types';
import { xaiReportedCostUsd } from '../usage/grok-usage';
import { ZERO_USAGE, type Usage } from '../usage/types';
import { checkCommonParams, refuseParams } from './image-params';
import type { ImagePlan, ImageRequest, ImageResult } from './images-types';

/**
 * xAI image generation: OpenAI's POST /images/generations (model, prompt, n up to 10,
 * response_format url | b64_json); xAI takes no size, quality or style, so those are a 400 naming
 * the parameter instead of being dropped. xAI answers without OpenAI's required `created`: it
 * is added; an answer that has it goes to the client byte for byte. No token usage: billed per
 * image, unless the answer says what xAI billed (usage.cost_in_usd_ticks), which is then the cost.
 * xAI moderates in a 200: an image it withheld comes as an entry with `respect_moderation: false`
 * and no url or b64_json (a blocked prompt: `block_reason`, no entries). Such entries are dropped
 * (nor billed); an answer left without an image is a 400, as Imagen's and Gemini's blocks are.
 */
export function planXaiImages(req: ImageRequest, model: string, settings: ProviderSettings): ImagePlan {
  checkCommonParams(req);
  refuseParams(req, model, ['size', 'quality', 'style'], { size: ['auto'], quality: ['auto'] });
  const body: Record<string, unknown> = { ...req, model };
  delete body.size;
  delete body.quality;
  return {
    call: bearerJsonPost(settings, '/images/generations', body),
    parse(json: any, rawText: string): ImageResult {
      const all: any[] = Array.isArray(json?.data) ? json.data : [];
      const made = all.filter((d) => d?.respect_moderation !== false && (d?.url || d?.b64_json));
      const usage = reportedCost(json?.usage);
      if (made.length === 0) throw withheld(json, all, usage);
      // xAI's newer answers carry the format not asked for as null (`b64_json: null` beside a url),
      // which OpenAI's Image types as a string when present.
      const hasNull = (d: any) => d.url === null || d.b64_json === null;
      if (typeof json?.created === 'number' && made.length === all.length && !made.some(hasNull)) {
        return { raw: rawText, body: json, images: made.length, usage };
      }
      const data = made.map((d) => (hasNull(d) ? withoutNulls(d) : d));
      return { body: { created: Math.floor(Date.now() / 1000), ...json, data }, images: data.length, usage };
    },
  };
}

/** An image answer's usage: no tokens, and the cost xAI says it billed (null when it said none). */
function reportedCost(usage: unknown): Usage | null {
  const providerCostUsd = xaiReportedCostUsd(usage);
  return providerCostUsd === undefined ? null : { ...ZERO_USAGE, providerCostUsd };
}

function withoutNulls(d: Record<string, unknown>): Record<string, unknown> {
  const { url, b64_json, ...rest } = d;
  return { ...rest, ...(url != null && { url }), ...(b64_json != null && { b64_json }) };
}

/** The 400 of an xAI answer without an image: its moderation's (content_policy_violation), or none made. */
function withheld(json: any, entries: any[], usage: Usage | null) {
  const reason = typeof json?.block_reason === 'string' && json.block_reason ? json.block_reason : null;
  const blocked = reason !== null || entries.some((d) => d?.respect_moderation === false);
  const e = blocked
    ? { message: `The image was blocked by the provider's content moderation${reason ? ` (${reason.slice(0, 200)})` : ''}.`, code: 'content_policy_violation' }
    : { message: 'The provider returned no image for this prompt.', code: 'no_image' };
  return usage ? new BilledError({ status: 400, type: 'invalid_request_error', param: 'prompt', ...e, usage }) : badRequest(e.message, 'prompt', e.code);
}
