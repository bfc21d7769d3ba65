import type { Usage } from '../usage/types';
import type { ImageRequest } from './images-types';
import { GPT_IMAGE_TOKENS, gptImageTokens } from '../usage/gpt-image-tokens';

// A model's `image_price` is the price of one image at its default size and quality (1024x1024,
// standard/medium). OpenAI charges more for larger and better images; these are the multiples of
// that price its price list gives, so a row bills what OpenAI bills.

/** Output tokens of gpt-image-1's default image (medium, 1024x1024): its `image_price` buys these. */
const GPT_IMAGE_DEFAULT_TOKENS = 1056;
/** gpt-image models whose output tokens per image are those of gpt-image-1 (same cost table). */
const isGptImage1 = (model: string) => model === 'gpt-image-1' || model === 'gpt-image-1-mini';

const isLarge = (size: unknown) => size === '1792x1024' || size === '1024x1792';

/**
 * The images of one answer in units of the model's per-image price. dall-e-3: hd or 1792 doubles
 * it, both triple it ($0.04, $0.08, $0.12); dall-e-2: 256x256 and 512x512 cost $0.016 and $0.018
 * against $0.02; gpt-image-1: the output tokens OpenAI reported over a default image's 1056 (low
 * 272, high 4160, larger sizes more), or without a count the table's for the quality and size
 * asked. Other models bill each image at the price.
 */
export function imagePriceUnits(model: string, req: ImageRequest, images: number, usage: Usage | null): number {
  if (model === 'dall-e-3') return images * ((req.quality === 'hd' ? 2 : 1) + (isLarge(req.size) ? 1 : 0));
  if (model === 'dall-e-2') return images * (req.size === '256x256' ? 0.8 : req.size === '512x512' ? 0.9 : 1);
  if (isGptImage1(model)) {
    return usage && usage.output > 0 ? usage.output / GPT_IMAGE_DEFAULT_TOKENS : (images * gptImageTokens(req, false)) / GPT_IMAGE_DEFAULT_TOKENS;
  }
  return images;
}

/**
 * The most units one image of this request to `model` may bill (what a budget reserves per image):
 * dall-e-2 and dall-e-3 exactly what the quality and size asked cost; gpt-image-1 the dearest
 * image of the quality and size asked. Never less than imagePriceUnits settles.
 */
export function reservedImageUnits(model: string, req: ImageRequest): number {
  if (isGptImage1(model)) return gptImageTokens(req, true) / GPT_IMAGE_DEFAULT_TOKENS;
  return imagePriceUnits(model, req, 1, null);
}

/** The most units one image of `model` may bill whatever the request asks (its dearest image). */
export function maxImagePriceUnits(model: string): number {
  if (model === 'dall-e-3') return 3;
  if (isGptImage1(model)) return GPT_IMAGE_TOKENS.high![1] / GPT_IMAGE_DEFAULT_TOKENS;
  return 1;
}
