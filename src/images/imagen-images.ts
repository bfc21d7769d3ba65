import { badRequest } from '../errors/api-error';
import { googleJsonHeaders, joinUrl } from '../providers/shared/upstream-call';
import type { ProviderSettings } from '../providers/types';
import { checkCommonParams, dataUri, maxImagesPerCall, refuseParams, sizeToAspectRatio, unsupported } from './image-params';
import type { ImagePlan, ImageRequest, ImageResult } from './images-types';

/** Aspect ratios Imagen 3/4 accept. */
const IMAGEN_RATIOS = ['1:1', '3:4', '4:3', '9:16', '16:9'];

interface ImagenResponse {
  predictions?: { bytesBase64Encoded?: string; mimeType?: string; prompt?: string; raiFilteredReason?: string }[];
}

/**
 * Imagen through Gemini's `:predict`: `{instances:[{prompt}], parameters:{sampleCount,
 * aspectRatio}}`. Google answers base64 only, so `url` gets a data: URI.
 */
export function planImagenImages(req: ImageRequest, model: string, settings: ProviderSettings): ImagePlan {
  const n = checkCommonParams(req);
  const most = maxImagesPerCall('gemini', model);
  if (n > most) unsupported('n', model, `Imagen returns at most ${most} images per request.`);
  // `standard`/`auto` ask for nothing beyond the default (OpenAI's defaults, which some clients
  // send every time), so they are honoured as is.
  refuseParams(req, model, ['style', 'quality', 'background', 'moderation', 'output_compression'], { quality: ['standard', 'auto'], background: ['auto'], moderation: ['auto'] });
  const parameters: Record<string, unknown> = { sampleCount: n };
  const aspectRatio = sizeToAspectRatio(req.size, IMAGEN_RATIOS, model);
  if (aspectRatio) parameters.aspectRatio = aspectRatio;
  const format = req.output_format;
  if (format !== undefined && format !== null) {
    if (format !== 'png' && format !== 'jpeg') unsupported('output_format', model, "use 'png' or 'jpeg'.");
    parameters.outputOptions = { mimeType: `image/${format}` };
  }
  const wantsB64 = req.response_format === 'b64_json';
  const headers = googleJsonHeaders(settings);
  return {
    call: {
      url: joinUrl(settings.baseUrl, `/v1beta/models/${encodeURIComponent(model)}:predict`),
      method: 'POST',
      headers,
      body: JSON.stringify({ instances: [{ prompt: req.prompt }], parameters }),
    },
    parse(json: ImagenResponse): ImageResult {
      const preds = (json?.predictions ?? []).filter((p) => p.bytesBase64Encoded);
      if (preds.length === 0) {
        // Every image was filtered by Google's safety filters (or none came back at all).
        const reason = json?.predictions?.find((p) => p.raiFilteredReason)?.raiFilteredReason;
        throw badRequest(
          reason ? `The image was blocked by the provider's safety filter: ${reason}` : 'The provider returned no image for this prompt.',
          'prompt',
          'content_policy_violation',
        );
      }
      const data = preds.map((p) => {
        const d: { url?: string; b64_json?: string; revised_prompt?: string } = wantsB64
          ? { b64_json: p.bytesBase64Encoded! }
          : { url: dataUri(p.mimeType, p.bytesBase64Encoded!) };
        if (p.prompt) d.revised_prompt = p.prompt;
        return d;
      });
      return { body: { created: Math.floor(Date.now() / 1000), data }, images: data.length, usage: null };
    },
  };
}
