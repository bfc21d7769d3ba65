import { ApiError, badRequest } from '../errors/api-error';
import { jsonProblem } from '../errors/json-problem';
import { readCapped } from '../providers/shared/read-capped';
import { clientClosed } from '../proxy/upstream-errors';
import { MAX_JSON_DEPTH, nestedTooDeep, nestsDeeperThan, refuseCostlyJsonShape } from './json-depth';

/** The rest of the body is left unread, so the connection cannot carry another request: it is closed. */
export const payloadTooLarge = (maxBytes: number) =>
  new ApiError({
    status: 413,
    message: `Request body is larger than the ${maxBytes / 1024 / 1024} MB limit (LLM_PROXY__SERVER__MAX_BODY_MB).`,
    type: 'invalid_request_error',
    code: 'request_too_large',
    headers: { connection: 'close' },
  });

// fatal: invalid UTF-8 is refused instead of being silently turned into U+FFFD and forwarded.
// Without { stream } a decoder keeps no state between calls, so one serves every request.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body's text; bytes that are not UTF-8 are the client's 400 `invalid_encoding`. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw badRequest('The request body is not valid UTF-8.', null, 'invalid_encoding');
  }
}

async function readChunked(request: Request, maxBytes: number): Promise<Uint8Array> {
  const read = await readCapped(request.body, maxBytes);
  if (read.truncated) throw payloadTooLarge(maxBytes);
  return read.bytes;
}

/** `application/json` or a `+json` type, any letter case, with or without parameters. */
export const isJsonContentType = (type: string): boolean => /^\s*application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type);

const NON_ASCII_CHARSET = /;\s*charset\s*=\s*"?((?:utf-?(?:16|32)|ucs-?[24]|unicode)[\w-]*)/i;

/**
 * The headers of a JSON body: a declared non-JSON content type is refused as OpenAI does, rather
 * than parsing a form or text body as if it were JSON (a missing one is tolerated: hand-written
 * clients). Compressed bodies are not decoded (no decompression-bomb cap to get wrong): a gzip body
 * must not reach the parser as "not valid UTF-8", nor a plain one labelled gzip pass as if unlabelled.
 */
export function refuseNonJsonHeaders(request: Request): void {
  const type = request.headers.get('content-type');
  if (type && !isJsonContentType(type)) {
    throw badRequest(
      `Unsupported content type '${type.slice(0, 100)}': this endpoint only accepts 'application/json' bodies.`,
      null,
      'unsupported_content_type',
    );
  }
  // A body labelled UTF-16 or UTF-32 (not ASCII-compatible) would be read as UTF-8 and refused as JSON at
  // its first NUL; ASCII-compatible labels (ISO-8859-1, Java's default) are read as UTF-8, as OpenAI does.
  const charset = type && type.length > 20 ? NON_ASCII_CHARSET.exec(type)?.[1] : undefined;
  if (charset) throw badRequest(`The request body is declared as charset '${charset.slice(0, 40)}': send it as UTF-8, the only encoding of JSON bodies.`, null, 'invalid_encoding');
  const encoding = request.headers.get('content-encoding');
  if (encoding && !/^\s*identity\s*$/i.test(encoding)) {
    throw badRequest(
      `Unsupported content encoding '${encoding.slice(0, 100)}': send the request body uncompressed, without a Content-Encoding header.`,
      null,
      'unsupported_content_encoding',
    );
  }
}

/**
 * Reads and parses a JSON request body ourselves (routes use `parse: 'none'`) so malformed JSON
 * is OpenAI's 400 rather than Elysia's 422, and an oversized body is refused with 413 as soon as
 * it is known to be too big (Content-Length, or while reading a chunked body). A body nested
 * deeper than MAX_JSON_DEPTH is a 400 too, before anything walks or re-serialises it.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  refuseNonJsonHeaders(request);
  const length = request.headers.get('content-length');
  const declared = length === null ? NaN : Number(length);
  if (declared > maxBytes) throw payloadTooLarge(maxBytes);
  // A declared length within the cap is what Bun will read: take the body in one native call
  // (a JS reader over the body stream costs ~6 µs per request more). Chunked bodies are counted
  // as they arrive, so an oversized one is refused without holding it all.
  let bytes: Uint8Array;
  try {
    bytes = Number.isFinite(declared) ? await request.bytes() : await readChunked(request, maxBytes);
  } catch (err) {
    // The client hung up before its body was whole (Bun rejects with an AbortError): its row says
    // so (499), not an internal error.
    if (request.signal.aborted && !(err instanceof ApiError)) throw clientClosed();
    throw err;
  }
  if (bytes.byteLength > maxBytes) throw payloadTooLarge(maxBytes); // a Request built in-process may understate it
  const text = decodeUtf8(bytes);
  if (!text.trim()) throw badRequest('The request body is empty; send a JSON object.', null, 'invalid_json');
  // Scanned (a large body): its depth is known, and the parsed value's is the same.
  const depthKnown = refuseCostlyJsonShape(bytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest(`The request body is not valid JSON: ${jsonProblem(text)}`, null, 'invalid_json');
  }
  if (!depthKnown && nestsDeeperThan(value, MAX_JSON_DEPTH)) throw nestedTooDeep();
  return value;
}
