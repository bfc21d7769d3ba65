import { ApiError, badRequest } from '../../errors/api-error';
import type { AdapterDeps } from '../types';
import type { GeminiPart } from './gemini-wire';
import { shownValue } from '../../errors/shown-value';
import { fetchRemoteFile, remoteFileOf } from '../shared/remote-file';

type AnyPart = Record<string, any>;

/**
 * Converts the content of a user (or system) message into Gemini parts. Images become
 * `inlineData`: Gemini's `fileData` only takes Google-hosted URIs, so remote http(s) images are
 * downloaded by the gateway (under the SSRF guard) and sent inline.
 */
export async function userParts(content: unknown, path: string, deps: AdapterDeps, signal?: AbortSignal): Promise<GeminiPart[]> {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw badRequest('Message content must be a string or an array of content parts.', path);
  const parts = await Promise.all(content.map((part, j) => convertPart(part, `${path}[${j}]`, deps, signal)));
  // Gemini refuses an empty text part ("Unable to submit request because it has an empty text
  // parameter"); it says nothing, so it is left out (a turn left with no parts is skipped).
  return parts.filter((p) => p.text !== '');
}

async function convertPart(part: AnyPart, path: string, deps: AdapterDeps, signal?: AbortSignal): Promise<GeminiPart> {
  switch (part?.type) {
    case 'text':
      if (typeof part.text !== 'string') throw badRequest('A text part needs a string `text`.', `${path}.text`);
      return { text: part.text };
    case 'image_url':
      return imagePart(part.image_url?.url, `${path}.image_url.url`, deps, signal);
    case 'input_audio': {
      const { data, format } = part.input_audio ?? {};
      if (typeof data !== 'string' || !isBase64(data)) throw badRequest('input_audio.data must be base64.', `${path}.input_audio.data`);
      if (typeof format !== 'string') throw badRequest('input_audio.format is required.', `${path}.input_audio.format`);
      return { inlineData: { mimeType: `audio/${format === 'mp3' ? 'mp3' : format}`, data: stripSpace(data) } };
    }
    case 'file': {
      // A document the client gave by URL: downloaded under the image-URL guard and sent inline, as an image by URL is.
      const remote = remoteFileOf(part);
      if (remote) {
        const doc = await fetchRemoteFile(remote, deps, signal);
        return { inlineData: { mimeType: doc.mimeType, data: doc.base64 } };
      }
      const fileData = part.file?.file_data;
      if (typeof fileData !== 'string') {
        throw badRequest('Only inline files (file.file_data as a data URI) can be sent to Gemini.', `${path}.file`);
      }
      const inline = parseDataUri(fileData);
      if (!inline) throw badRequest('file.file_data must be a base64 data URI.', `${path}.file.file_data`);
      return { inlineData: inline };
    }
    default:
      throw badRequest(`Unsupported content part type '${shownValue(part?.type)}'.`, `${path}.type`);
  }
}

async function imagePart(url: unknown, path: string, deps: AdapterDeps, signal?: AbortSignal): Promise<GeminiPart> {
  if (typeof url !== 'string' || url === '') throw badRequest('image_url.url must be a non-empty string.', path);
  if (/^data:/i.test(url)) {
    const inline = parseDataUri(url);
    if (!inline || !inline.mimeType.startsWith('image/')) {
      throw badRequest('image_url.url is not a valid base64 image data URI (data:image/<type>;base64,<data>).', path, 'invalid_image_url');
    }
    return { inlineData: inline };
  }
  if (!/^https?:\/\//i.test(url)) {
    throw badRequest('image_url.url must be an http(s) URL or a data URI.', path, 'invalid_image_url');
  }
  try {
    const img = await deps.fetchImage(url, signal);
    return { inlineData: { mimeType: img.mimeType, data: img.base64 } };
  } catch (err) {
    // The fetcher cannot know where in the request the image was; point the error at it.
    if (err instanceof ApiError && err.param === 'image_url') {
      // (the operator-only detail of a refusal goes along for the log row)
      throw Object.assign(new ApiError({ status: err.status, message: err.message, type: err.type, code: err.code, param: path, headers: err.headers }), { logMessage: (err as { logMessage?: string }).logMessage });
    }
    throw err;
  }
}

/** `data:<mime>[;param...][;base64],<payload>` -> inline data (base64), or null if malformed. */
export function parseDataUri(uri: string): { mimeType: string; data: string } | null {
  const m = /^data:([^,]*),(.*)$/is.exec(uri);
  if (!m) return null;
  const meta = m[1]!.split(';').map((s) => s.trim());
  const mimeType = (meta[0] || '').toLowerCase();
  if (!/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(mimeType)) return null;
  const payload = m[2]!;
  if (meta.slice(1).some((p) => p.toLowerCase() === 'base64')) {
    const data = stripSpace(payload);
    return data && isBase64(data) ? { mimeType, data } : null;
  }
  try {
    const bytes = Buffer.from(decodeURIComponent(payload), 'utf8');
    return bytes.byteLength ? { mimeType, data: bytes.toString('base64') } : null;
  } catch {
    return null;
  }
}

const stripSpace = (s: string) => s.replace(/\s+/g, '');
function isBase64(s: string): boolean {
  const t = stripSpace(s);
  return t.length > 0 && t.length % 4 !== 1 && /^[A-Za-z0-9+/]*={0,2}$/.test(t);
}
