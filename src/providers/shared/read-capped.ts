/**
 * Reading a whole body (a client's request, an upstream's answer, a downloaded image) without
 * letting its sender decide how much memory the gateway spends on it.
 */
import { concatBytes } from '../../http/concat-bytes';

/**
 * The largest whole upstream answer (a JSON completion, images, embeddings); one SSE event has a
 * lower cap (sse-parser.ts MAX_EVENT_CHARS). Far above what providers send (ten base64 images of gpt-image-1 are
 * ~40 MB), but an answer that never ends would otherwise fill memory at the network's speed until
 * the timeout (LLM_PROXY__UPSTREAM__TIMEOUT_S, 600 s by default) and take the process down.
 */
export const MAX_UPSTREAM_BODY_BYTES = 128 * 1024 * 1024;

/** What a capped read got: the bytes, and whether more came than the cap (then only the first `maxBytes`). */
export interface CappedRead {
  bytes: Uint8Array<ArrayBuffer>;
  truncated: boolean;
}

/**
 * Reads a body up to `maxBytes`. Past it, the rest is not read: the body is cancelled (the
 * connection is dropped) and `truncated` is set, with the first `maxBytes` bytes (none when
 * `keepTruncated` is false: a caller that refuses such a body need not have them joined, a copy as
 * large as the cap).
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number, keepTruncated = true): Promise<CappedRead> {
  if (!body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { bytes: concatBytes(chunks), truncated: false };
    if (size + value.byteLength > maxBytes) {
      reader.cancel().catch(() => {});
      if (!keepTruncated) return { bytes: new Uint8Array(0), truncated: true };
      chunks.push(value.subarray(0, maxBytes - size));
      return { bytes: concatBytes(chunks), truncated: true };
    }
    size += value.byteLength;
    chunks.push(value);
  }
}

/**
 * A whole upstream answer's bytes, refused (`tooLarge()` thrown) once it is known to be larger
 * than `maxBytes`: from its Content-Length before reading, else as it arrives. A declared length
 * within the cap is read in one native call.
 */
export async function readWholeAnswer(res: Response, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array<ArrayBuffer>> {
  const length = res.headers.get('content-length');
  const declared = length ? Number(length) : NaN;
  if (declared > maxBytes) {
    res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (Number.isFinite(declared)) {
    const bytes = await res.bytes();
    if (bytes.byteLength <= maxBytes) return bytes;
    throw tooLarge(); // a body longer than its Content-Length (in-process Responses are not checked)
  }
  const read = await readCapped(res.body, maxBytes, false);
  if (read.truncated) throw tooLarge();
  return read.bytes;
}
