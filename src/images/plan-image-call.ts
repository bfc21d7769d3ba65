import { badRequest } from '../errors/api-error';
import { geminiModelId } from '../providers/shared/upstream-call';
import type { ProviderSettings } from '../providers/types';
import type { RouteTarget } from '../routing/types';
import { planGeminiImage } from './gemini-image-images';
import { planImagenImages } from './imagen-images';
import type { ImagePlan, ImageRequest } from './images-types';
import { planOpenAIImages } from './openai-images';
import { isXaiImageModel } from '../providers/image-model-id';
import { planXaiImages } from './xai-images';

/** Picks the image API for a concrete target; providers without image models get a 400. */
export function planImageCall(req: ImageRequest, target: RouteTarget, settings: ProviderSettings): ImagePlan {
  const model = target.upstreamModel;
  // An unlisted id's kind is not known (genai-prices prices it, the table does not describe it).
  if (target.entry && !target.entry.unlisted && target.entry.kind !== 'image') {
    throw badRequest(`'${target.modelId}' is not an image generation model.`, 'model', 'model_not_image');
  }
  if (target.provider === 'openai') return planOpenAIImages(req, model, settings);
  if (target.provider === 'gemini') {
    // Google's own spelling `models/imagen-…` names the same model (as on chat and embeddings).
    const id = geminiModelId(model);
    if (/^imagen-/i.test(id)) return planImagenImages(req, id, settings);
    if (/^gemini-.*image/i.test(id)) return planGeminiImage(req, id, settings);
    throw badRequest(`'${target.modelId}' is not an image generation model (use imagen-* or gemini-*-image).`, 'model', 'model_not_image');
  }
  if (target.provider === 'grok') {
    if (isXaiImageModel(model)) return planXaiImages(req, model, settings);
    throw badRequest(`'${target.modelId}' is not an image generation model (use grok-2-image-1212 or another grok-*-image model).`, 'model', 'model_not_image');
  }
  throw badRequest(`Provider '${target.provider}' has no image generation models.`, 'model', 'images_not_supported');
}
