import { badRequest } from '../../errors/api-error';
import type { AdapterDeps } from '../types';
import type { AnthropicBlock, CacheControl } from './anthropic-wire';
import { shownValue } from '../../errors/shown-value';
import { anthropicImageType } from './image-media-type';
import { fileTitle, inlineFileData, plainTextOfFile } from '../shared/inline-file';
import { remoteFileOf, withFileData } from '../shared/remote-file';

export interface ContentOptions {
  deps: AdapterDeps;
  signal?: AbortSignal;
}

/**
 * `cache_control` is not an OpenAI field, but clients that know Anthropic put it on content
 * parts (LiteLLM's convention); it is carried over to the block untouched.
 */
export function cacheControlOf(part: unknown): CacheControl | undefined {
  const cc = (part as { cache_control?: unknown } | null)?.cache_control;
  return cc && typeof cc === 'object' ? (cc as CacheControl) : undefined;
}

function withCache<T extends AnthropicBlock>(block: T, part: unknown): T {
  const cc = cacheControlOf(part);
  return cc ? { ...block, cache_control: cc } : block;
}

/**
 * `cache_control` on a whole message (`{role, content, cache_control}`, as OpenRouter documents it
 * for Anthropic models and some OpenAI-SDK clients send it) marks the message's end: it goes on its
 * last block, as Anthropic puts a breakpoint, unless that block has its own (from its part) or is a
 * thinking block, which Anthropic does not cache directly. `blocks` are the message's own, new ones.
 */
export function withMessageCache(blocks: AnthropicBlock[], message: unknown): AnthropicBlock[] {
  const cc = cacheControlOf(message);
  const last = blocks[blocks.length - 1];
  if (!cc || !last || 'cache_control' in last || last.type === 'thinking' || last.type === 'redacted_thinking') return blocks;
  return [...blocks.slice(0, -1), { ...last, cache_control: cc } as AnthropicBlock];
}

/**
 * Anthropic refuses a text block that is empty or whitespace alone ("text content blocks must
 * contain non-whitespace text"), where OpenAI takes any string; Claude itself answers "\n\n" before
 * a tool call at times, which the client gives back as the assistant's content. Such text says
 * nothing and goes as no block.
 */
const blank = (text: string): boolean => text.trim() === '';

/** Text of a system, tool or assistant message: a string or text parts (refusals count as text). */
export function textBlocks(content: unknown, path: string): AnthropicBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return blank(content) ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw badRequest('Message content must be a string or an array of parts.', path);
  const out: AnthropicBlock[] = [];
  content.forEach((p: any, j) => {
    const text = p?.type === 'text' ? p.text : p?.type === 'refusal' ? p.refusal : undefined;
    if (typeof text !== 'string') throw badRequest(`Only text parts are accepted here, not '${shownValue(p?.type)}'.`, `${path}[${j}]`);
    if (!blank(text)) out.push(withCache({ type: 'text', text }, p));
  });
  return out;
}

/** A user message's content -> blocks: text, images (inline or fetched under the guard), PDFs. */
export async function userBlocks(content: unknown, path: string, opts: ContentOptions): Promise<AnthropicBlock[]> {
  if (typeof content === 'string') return blank(content) ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw badRequest('Message content must be a string or an array of parts.', path);
  const out: AnthropicBlock[] = [];
  for (let j = 0; j < content.length; j++) {
    const p = content[j] as any;
    const ppath = `${path}[${j}]`;
    if (p?.type === 'text') {
      if (typeof p.text === 'string' && !blank(p.text)) out.push(withCache({ type: 'text', text: p.text }, p));
    } else if (p?.type === 'image_url') {
      out.push(withCache(await imageBlock(p.image_url?.url, `${ppath}.image_url.url`, opts), p));
    } else if (p?.type === 'file') {
      // A document given by URL (a bridged Responses `file_url`) is downloaded under the guard, as a remote image is.
      const file = remoteFileOf(p) ? (await withFileData(p, opts.deps, opts.signal)).file : p.file;
      out.push(withCache(fileBlock(file, `${ppath}.file`), p));
    } else {
      throw badRequest(`Anthropic models do not accept '${shownValue(p?.type)}' content parts.`, `${ppath}.type`, 'unsupported_content');
    }
  }
  return out;
}

async function imageBlock(url: unknown, path: string, opts: ContentOptions): Promise<AnthropicBlock> {
  if (typeof url !== 'string') throw badRequest('image_url.url must be a string.', path);
  const m = /^data:([^;,]+);base64,(.*)$/is.exec(url);
  let mimeType: string;
  let data: string;
  if (m) {
    mimeType = m[1]!.toLowerCase();
    data = m[2]!.replace(/\s+/g, '');
  } else {
    // Remote images are downloaded by the gateway under its SSRF guard and sent inline, so
    // Anthropic never fetches a URL on a client's behalf and the guard applies to every provider alike.
    ({ mimeType, base64: data } = await opts.deps.fetchImage(url, opts.signal));
  }
  const mediaType = anthropicImageType(mimeType, data);
  if (!mediaType) throw badRequest(`Anthropic accepts JPEG, PNG, GIF and WebP images, not '${shownValue(mimeType)}'.`, path, 'invalid_image_format');
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data } };
}

/** Anthropic's limit on a document's `title`, in characters. */
const TITLE_MAX = 500;

/**
 * OpenAI `file` parts: inline PDFs become base64 document blocks, inline plain text a text document
 * block (Anthropic's plain-text source carries the text itself, so it is decoded, as UTF-8:
 * shared/inline-file.ts); file ids and other types mean nothing to Anthropic. The part's
 * `filename` names the document (its `title`).
 */
function fileBlock(file: any, path: string): AnthropicBlock {
  const inline = inlineFileData(file);
  if (inline?.mediaType !== 'application/pdf' && inline?.mediaType !== 'text/plain') {
    throw badRequest('Anthropic models take file parts only as inline PDFs or plain text (file_data: data:application/pdf;base64,... or data:text/plain;base64,...).', path, 'unsupported_content');
  }
  const title = fileTitle(file, TITLE_MAX);
  const text = plainTextOfFile(file, path);
  const source = text === null ? { type: 'base64' as const, media_type: 'application/pdf', data: inline.data } : { type: 'text' as const, media_type: 'text/plain' as const, data: text };
  return title ? { type: 'document', source, title } : { type: 'document', source };
}
