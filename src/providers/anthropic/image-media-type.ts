/** Image types Anthropic accepts; anything else is refused before the call rather than as an upstream 400. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * The leading base64 of each accepted format's signature: JPEG FF D8 FF, PNG 89 50 4E 47 0D 0A
 * 1A 0A, GIF87a/GIF89a; WebP is RIFF, a size, then WEBP at bytes 8-11 (its EBP are base64 characters 12-15, RUJQ).
 */
const SIGNATURES: readonly (readonly [string, string])[] = [
  ['/9j/', 'image/jpeg'],
  ['iVBORw0KGgo', 'image/png'],
  ['R0lGODdh', 'image/gif'],
  ['R0lGODlh', 'image/gif'],
];

/**
 * The media_type to send Anthropic for base64 image data a client (or an image server) labelled
 * `declared`, or null when Anthropic takes neither. Anthropic checks the label against the bytes
 * ("The image was specified using the image/png media type, but the image appears to be a
 * image/jpeg image", a 400) where OpenAI reads the bytes and ignores the label, so OpenAI-API
 * clients send mislabelled images (a JPEG snapshot as image/png) and `image/jpg`: the type the
 * bytes show wins, and `image/jpg` is `image/jpeg`. Data of no known format keeps the label.
 */
export function anthropicImageType(declared: string, base64: string): string | null {
  for (const [head, type] of SIGNATURES) if (base64.startsWith(head)) return type;
  if (base64.startsWith('UklGR') && base64.slice(12, 16) === 'RUJQ') return 'image/webp';
  const label = declared === 'image/jpg' ? 'image/jpeg' : declared;
  return IMAGE_TYPES.has(label) ? label : null;
}
