import type { ApiError } from '../errors/api-error';
import { SSE_DONE, sseBytes } from '../providers/shared/sse-parser';
import type { StreamAttempt } from './open-attempt';
import { pullRelay } from './pull-relay';

function endsWithDone(chunk: Uint8Array): boolean {
  const n = SSE_DONE.length;
  if (chunk.length < n) return false;
  for (let i = 0; i < n; i++) if (chunk[chunk.length - n + i] !== SSE_DONE[i]) return false;
  return true;
}

/** How a relayed stream ended: null error = finished normally. */
export type StreamEnd = { error: ApiError | null };

/**
 * The client-facing stream: the pre-read first chunk, then the adapter's output as it comes
 * (pull-based, with the idle and stalled-client handling of pullRelay). A failure after the first
 * byte becomes `data: {"error":...}` + `data: [DONE]` (or the bytes `errorBytes` gives, e.g.
 * Anthropic's `event: error` on /v1/messages), never a dropped socket. `onEnd` runs exactly once.
 */
export function relayStream(s: StreamAttempt, onEnd: (end: StreamEnd) => void, errorBytes?: (e: ApiError) => Uint8Array[]): ReadableStream<Uint8Array> {
  let pending: Uint8Array | null = s.first;
  return pullRelay(s.upstream, s.reader, {
    async step(controller) {
      let chunk = pending;
      pending = null;
      if (!chunk) {
        const r = await s.reader.read();
        if (r.done) return { error: null };
        chunk = r.value;
      }
      controller.enqueue(chunk);
      // The adapter wrote [DONE]: finish now, so a client that hangs up right after it
      // is not logged as having closed the request early.
      return endsWithDone(chunk) ? { error: null } : null;
    },
    errorBytes: (e) => (errorBytes ? errorBytes(e) : [sseBytes(JSON.stringify(e.toBody())), SSE_DONE]),
    onEnd: (error) => onEnd({ error }),
  });
}
