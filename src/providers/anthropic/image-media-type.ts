import { imageTypeOfBase64 } from '../shared/image-bytes-type';

/** Image types Anthropic accepts; anything else is refused before the call rather than as an upstream 400. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * The media_type to send Anthropic for base64 image data a client (or an image server) labelled
 * `declared`, or null when Anthropic takes neither. Anthropic checks the label against the bytes
 * ("The image was specified using the image/png media type, but the image appears to be a
 * image/jpeg image", a 400) where OpenAI reads the bytes and ignores the label, so OpenAI-API
 * clients send mislabelled images (a JPEG snapshot as image/png) and `image/jpg`: the type the
 * bytes show wins, and `image/jpg` is `image/jpeg`. Data of no known format keeps the label.
 */
export function anthropicImageType(declared: string, base64: string): string | null {
  const sniffed = imageTypeOfBase64(base64);
  if (sniffed) return sniffed;
  const label = declared === 'image/jpg' ? 'image/jpeg' : declared;
  return IMAGE_TYPES.has(label) ? label : null;
}
