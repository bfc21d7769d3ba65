/** The image formats the gateway tells by their bytes. */
export type SniffedImageType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

/**
 * The leading base64 of each format's signature: JPEG FF D8 FF, PNG 89 50 4E 47 0D 0A 1A 0A,
 * GIF87a/GIF89a; WebP is RIFF, a size, then WEBP at bytes 8-11 (its EBP are base64 characters 12-15, RUJQ).
 */
const SIGNATURES: readonly (readonly [string, SniffedImageType])[] = [
  ['/9j/', 'image/jpeg'],
  ['iVBORw0KGgo', 'image/png'],
  ['R0lGODdh', 'image/gif'],
  ['R0lGODlh', 'image/gif'],
];

/**
 * The format base64 image data shows by its first bytes, or null for none of JPEG, PNG, GIF and
 * WebP. Providers differ in what they make of a data URI's label (OpenAI ignores it, Anthropic
 * checks it against the bytes, Ollama reads only the label): the bytes are what the image is.
 * Reads the first 16 characters only: a head of the data is enough.
 */
export function imageTypeOfBase64(base64: string): SniffedImageType | null {
  for (const [head, type] of SIGNATURES) if (base64.startsWith(head)) return type;
  if (base64.startsWith('UklGR') && base64.slice(12, 16) === 'RUJQ') return 'image/webp';
  return null;
}
