/** gpt-image-1's output tokens per image by quality, [square, non-square] (OpenAI's image-cost table). */
export const GPT_IMAGE_TOKENS: Record<string, [number, number]> = { low: [272, 408], medium: [1056, 1584], high: [4160, 6240] };

/**
 * Tokens of one gpt-image-1 image as asked. `dearest`: what it may turn out to be (`auto` or no
 * quality is high, `auto` or no size is non-square); otherwise what an image without a reported
 * count is taken to be (`auto` or none is OpenAI's default, medium and square).
 */
export function gptImageTokens(req: { size?: unknown; quality?: unknown }, dearest: boolean): number {
  // The table's own keys only: a quality is the client's text, and `constructor` would read Object's.
  // Not String(): a Responses image_generation tool's quality reaches here unchecked, and an object
  // with its own `toString` key made it throw (a 500).
  const quality = typeof req.quality === 'string' ? req.quality : '';
  const byQuality = (Object.hasOwn(GPT_IMAGE_TOKENS, quality) ? GPT_IMAGE_TOKENS[quality] : undefined) ?? GPT_IMAGE_TOKENS[dearest ? 'high' : 'medium']!;
  const square = dearest ? req.size === '1024x1024' : req.size !== '1536x1024' && req.size !== '1024x1536';
  return byQuality[square ? 0 : 1];
}
