import { inlinePdfTokens, PDF_PAGE_MAX_TOKENS } from '../usage/file-tokens';
import type { LimitedEndpoint } from './limit-types';

/** What a request's file inputs may add to its prompt beyond what the body's size shows. */
export interface FileInputs {
  /** The inline PDFs' worst-case tokens (PDF_PAGE_MAX_TOKENS a page) and the characters of their data in the body. */
  pdfTokens: number;
  pdfChars: number;
  /**
   * A file the upstream reads itself, whose size the body does not show: an OpenAI file by
   * `file_id` (chat's `file` part, Responses' `input_file`) or by `file_url`; on /v1/messages a
   * document by URL, or a document or image by Files API id (also inside a tool result). Image
   * URLs are not: the gateway downloads them under its size limit.
   */
  readsItself: boolean;
  /** Images (by URL or inline), and the characters of the inline ones' data in the body. */
  images: number;
  imageChars: number;
}

/** One inline file's data and media type, in any of the shapes the endpoints take; null for any other value. */
function inlineFile(v: any): { data: string; mediaType?: string } | null {
  if (v?.type === 'file' && typeof v.file?.file_data === 'string') return { data: v.file.file_data }; // chat
  if (v?.type === 'input_file' && typeof v.file_data === 'string') return { data: v.file_data }; // Responses
  const s = v?.source; // Messages: a base64 document
  if (v?.type === 'document' && s?.type === 'base64' && typeof s.data === 'string') return { data: s.data, ...(typeof s.media_type === 'string' ? { mediaType: s.media_type } : {}) };
  return null;
}

/**
 * An image part's data in the body: the URL string (a data URI holds the image itself) of chat's
 * `image_url`, Responses' `input_image`, a Messages `image` block (its base64 or URL); '' when it
 * is no string (the endpoint's own check refuses it; `String()` of an object with its own
 * `toString` key threw here, a 500); null for any other value.
 */
function imageData(v: any): string | null {
  const text = (x: unknown) => (typeof x === 'string' ? x : '');
  if (v?.type === 'image_url') return typeof v.image_url === 'string' ? v.image_url : text(v.image_url?.url);
  if (v?.type === 'input_image') return text(v.image_url);
  if (v?.type === 'image' && v.source && typeof v.source === 'object') return text(v.source.data ?? v.source.url);
  return null;
}

function readsItself(endpoint: LimitedEndpoint, v: any): boolean {
  if (endpoint === 'chat') return v?.type === 'file' && typeof v.file?.file_id === 'string';
  if (endpoint === 'responses') return v?.type === 'input_file' && (typeof v.file_id === 'string' || typeof v.file_url === 'string');
  if (endpoint === 'messages') return v?.source?.type === 'file' || (v?.type === 'document' && v.source?.type === 'url');
  return false;
}

/**
 * The file inputs of a chat, Responses or Messages body, found wherever a content part may sit (a
 * turn, a tool result, a Responses function_call_output). Other endpoints have none.
 */
export function fileInputsOf(endpoint: LimitedEndpoint, body: Record<string, unknown>): FileInputs {
  const found: FileInputs = { pdfTokens: 0, pdfChars: 0, readsItself: false, images: 0, imageChars: 0 };
  if (endpoint !== 'chat' && endpoint !== 'responses' && endpoint !== 'messages') return found;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (readsItself(endpoint, v)) found.readsItself = true;
    const image = imageData(v);
    if (image !== null) {
      found.images++;
      found.imageChars += image.length;
      return;
    }
    const file = inlineFile(v);
    if (file) {
      const tokens = inlinePdfTokens(file.data, PDF_PAGE_MAX_TOKENS, file.mediaType);
      if (tokens !== null) {
        found.pdfTokens += tokens;
        found.pdfChars += file.data.length;
      }
      return;
    }
    for (const x of Object.values(v)) if (x !== null && typeof x === 'object') visit(x);
  };
  visit(endpoint === 'responses' ? body.input : body.messages);
  return found;
}
