import type { ApiError } from '../errors/api-error';
import { stalledError } from '../http/paced-body';
import { SSE_DONE, sseBytes } from '../providers/shared/sse-parser';
import type { StreamAttempt } from './open-attempt';
import { clientClosed } from './upstream-errors';

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
 * (pull-based, so a slow client slows the upstream read instead of filling memory). A failure
 * after the first byte becomes `data: {"error":...}` + `data: [DONE]` (or the bytes `errorBytes`
 * gives, e.g. Anthropic's `event: error` on /v1/messages), never a dropped socket;
 * a client that goes away aborts the upstream at once. The idle timeout counts the upstream's
 * silence while a read waits on it, and the client's while the relay waits for the client to take
 * more: a client that stops reading for that long is dropped (499 `client_read_timeout`), and
 * the upstream is not blamed. `onEnd` runs exactly once.
 */
export function relayStream(s: StreamAttempt, onEnd: (end: StreamEnd) => void, errorBytes?: (e: ApiError) => Uint8Array[]): ReadableStream<Uint8Array> {
  let pending: Uint8Array | null = s.first;
  let ended = false;
  const end = (error: ApiError | null) => {
    if (ended) return;
    ended = true;
    s.upstream.dispose();
    onEnd({ error });
  };
  let out!: ReadableStreamDefaultController<Uint8Array>;
  /** The client took nothing for the idle timeout (the upstream call is aborted already). */
  const stalled = () => {
    if (ended) return;
    const e = s.upstream.failure(null);
    s.reader.cancel().catch(() => {});
    end(e);
    // Ends the body; Bun would still keep the connection while it holds unsent bytes, so the
    // caller's dropClient (open-upstream.ts, run right after this) closes it.
    out.error(stalledError);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        out = controller;
      },
      async pull(controller) {
        try {
          let chunk = pending;
          pending = null;
          // The client asks for more: silence from here on is the upstream's.
          s.upstream.touch();
          if (!chunk) {
            const r = await s.reader.read();
            if (r.done) {
              controller.close();
              end(null);
              return;
            }
            chunk = r.value;
          }
          controller.enqueue(chunk);
          // The adapter wrote [DONE]: finish now, so a client that hangs up right after it
          // is not logged as having closed the request early.
          if (endsWithDone(chunk)) {
            controller.close();
            end(null);
            return;
          }
          s.upstream.awaitClient(stalled);
        } catch (err) {
          const e = s.upstream.failure(err);
          if (ended) return; // cancelled meanwhile
          for (const bytes of errorBytes ? errorBytes(e) : [sseBytes(JSON.stringify(e.toBody())), SSE_DONE]) controller.enqueue(bytes);
          controller.close();
          end(e);
        }
      },
      cancel() {
        s.upstream.abort();
        s.reader.cancel().catch(() => {});
        end(clientClosed());
      },
    },
    { highWaterMark: 0 },
  );
}
