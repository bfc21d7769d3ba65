import { badRequest } from '../../errors/api-error';

/** `data:<type>[;params];base64,<data>`: the media type, its parameters and the base64 data. */
const BASE64_DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*);base64,(.*)$/is;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A chat `file` part's inline data (`file_data` as a base64 data URL): its media type (lower case) and data, spaces taken out. */
export function inlineFileData(file: unknown): { mediaType: string; data: string } | null {
  const fileData = (file as { file_data?: unknown } | null)?.file_data;
  const m = typeof fileData === 'string' ? BASE64_DATA_URL.exec(fileData) : null;
  return m ? { mediaType: m[1]!.trim().toLowerCase(), data: m[3]!.replace(/\s+/g, '') } : null;
}

/**
 * The text of a chat `file` part of plain text (`file_data: data:text/plain[;charset=…];base64,…`),
 * decoded as UTF-8; null for any other part. Data that is not base64, or text that is not UTF-8, is a
 * 400 naming the part's `file_data` (`path` is the part's `file`), before any call: a model handed
 * U+FFFD in place of the bytes it could not read would answer about text nobody sent.
 */
export function plainTextOfFile(file: unknown, path: string): string | null {
  const inline = inlineFileData(file);
  if (inline?.mediaType !== 'text/plain') return null;
  const { data } = inline;
  if (data.length % 4 === 1 || !BASE64.test(data)) throw badRequest('file.file_data is not valid base64.', `${path}.file_data`);
  try {
    return utf8.decode(Buffer.from(data, 'base64'));
  } catch {
    throw badRequest('file.file_data of type text/plain must be UTF-8 text, base64-encoded.', `${path}.file_data`, 'invalid_encoding');
  }
}

/**
 * A `file` part's `filename` as one line (line breaks and other control characters as spaces,
 * trimmed, at most `max` characters): what names the file to the model. Null when there is none.
 */
export function fileTitle(file: unknown, max: number): string | null {
  const name = (file as { filename?: unknown } | null)?.filename;
  if (typeof name !== 'string') return null;
  const line = name.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
  return line ? Array.from(line).slice(0, max).join('') : null;
}
