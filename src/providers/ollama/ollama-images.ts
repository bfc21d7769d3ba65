import { badRequest } from '../../errors/api-error';
import { shownValue } from '../../errors/shown-value';
import { clientPartOf } from '../shared/client-part';
import { imageTypeOfBase64 } from '../shared/image-bytes-type';
import type { UpstreamBody } from '../types';

/** The labels Ollama's OpenAI endpoint reads an image under (openai/openai.go decodeImageURL: jpeg, jpg, png, webp). */
const OLLAMA_IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);

/**
 * Ollama's OpenAI endpoint reads an image only from a base64 data URI labelled `image/jpeg`, `jpg`,
 * `png` or `webp` (or unlabelled, `data:;base64,`), by its label alone and case-sensitively, and
 * answers anything else with a bare 400 "invalid image input" naming neither the part nor what it
 * takes. So a GIF (a remote URL the gateway inlined, a data URI from the client) is refused before
 * the call, naming the formats Ollama takes and the part; an image whose bytes show one it takes
 * goes labelled as that (an image server's `image/JPEG`, a PNG labelled `image/gif`); data of no
 * known format keeps its label and is refused by it when Ollama would refuse it. Runs after
 * inlineRemoteImages; the messages are copied where a part changes (a group's next target may see it).
 */
export function imagesForOllama(body: UpstreamBody): void {
  if (!Array.isArray(body.messages)) return;
  let messages: any[] | null = null;
  for (const [i, m] of (body.messages as any[]).entries()) {
    if (!Array.isArray(m?.content)) continue;
    let content: any[] | null = null;
    for (const [j, p] of (m.content as any[]).entries()) {
      const url = p?.type === 'image_url' ? p.image_url?.url : undefined;
      if (typeof url !== 'string' || !url.startsWith('data:')) continue;
      const fixed = ollamaDataUri(url, clientPartOf(p)?.path ?? `messages[${i}].content[${j}].image_url.url`);
      if (fixed === url) continue;
      content ??= [...m.content];
      content[j] = { ...p, image_url: { ...p.image_url, url: fixed } };
    }
    if (content) (messages ??= [...body.messages])[i] = { ...m, content };
  }
  if (messages) body.messages = messages;
}

/** The data URI labelled as Ollama reads it, or a 400 `invalid_image_format` at `path` for a format it does not take. */
function ollamaDataUri(url: string, path: string): string {
  const comma = url.indexOf(',');
  const header = comma < 0 ? '' : url.slice(5, comma);
  // Not base64 (or no data at all): not an image Ollama can read either way; its own 400 says so.
  if (!header.endsWith(';base64')) return url;
  const label = header.slice(0, -7).trim().toLowerCase();
  const type = imageTypeOfBase64(url.slice(comma + 1, comma + 17)) ?? (label === 'image/jpg' ? 'image/jpeg' : label);
  if (type === '') return url; // unlabelled, of no known format: Ollama takes it as it is
  if (!OLLAMA_IMAGE_TYPES.has(type)) {
    throw badRequest(`Ollama takes JPEG, PNG and WebP images only, not '${shownValue(type)}'.`, path, 'invalid_image_format');
  }
  return header === `${type};base64` ? url : `data:${type};base64,${url.slice(comma + 1)}`;
}
