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
      const data = Array.isArray(json?.data) ? json.data : [];
      const usage = reportedCost(json?.usage);
      if (typeof json?.created === 'number') return { raw: rawText, body: json, images: data.length, usage };
      return { body: { created: Math.floor(Date.now() / 1000), ...json, data }, images: data.length, usage };
    },
  };
}

/** An image answer's usage: no tokens, and the cost xAI says it billed (null when it said none). */
function reportedCost(usage: unknown): Usage | null {
  const providerCostUsd = xaiReportedCostUsd(usage);
  return providerCostUsd === undefined ? null : { ...ZERO_USAGE, providerCostUsd };
}
