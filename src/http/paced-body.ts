import { Deadline } from '../runtime/deadline';

/** How a paced body ended: all of it taken, the client stopped taking it, or the client left. */
export type PacedEnd = 'delivered' | 'stalled' | 'closed';

/**
 * A whole answer this large may not fit the socket buffers at once: it is paced, so a client that
 * stops reading is seen. Smaller ones are handed to Bun whole (a JSON answer, a stream that had
 * wholly arrived: proxy/stream-relay.ts).
 */
export const PACED_FROM_BYTES = 256 * 1024;

/** A piece of the body handed out per pull: the runtime asks for the next once the socket took this one. */
const PIECE_BYTES = 64 * 1024;

/**
 * What a body (a paced answer, a relayed stream) errors with when its client stopped taking it: an
 * AbortError, since Bun prints any other error, stack and all, for each such client. The request's
 * row carries the real error (499 `client_read_timeout`).
 */
export const stalledError = new DOMException('The client stopped reading the answer.', 'AbortError');

/**
 * A whole answer's bytes (or its pieces, in order) as a pull-based body, handed out a piece at a time so the gateway sees
 * when its client stops taking them. Bun keeps a connection open, with the bytes it could not
 * send, for as long as a client reads nothing; a whole answer (a multi-MB completion, base64
 * images) would hold its memory and the connection forever. If no piece is taken for `stallMs`,
 * the body errors and `onEnd('stalled')` runs (the caller closes the connection); `onEnd` runs
 * exactly once.
 */
export function pacedBody(body: Uint8Array | readonly Uint8Array[], stallMs: number, onEnd: (end: PacedEnd) => void): ReadableStream<Uint8Array> {
  // The body may come in pieces (embeddings-body.ts: never joined, so it is held once).
  const parts = body instanceof Uint8Array ? [body] : body;
  let part = 0;
  let offset = 0;
  let ended = false;
  // Started at the first piece; a late run looks again (runtime/deadline.ts): the socket may have
  // taken the piece while the event loop was held up.
  let stall: Deadline<ReadableStreamDefaultController<Uint8Array>> | null = null;
  const end = (how: PacedEnd) => {
    if (ended) return;
    ended = true;
    stall?.clear();
    onEnd(how);
  };
  const stalled = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    end('stalled');
    controller.error(stalledError);
  };
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        while (part < parts.length && offset >= parts[part]!.length) {
          part++;
          offset = 0;
        }
        if (part >= parts.length) {
          controller.close();
          return end('delivered');
        }
        const piece = parts[part]!.subarray(offset, offset + PIECE_BYTES);
        offset += piece.length;
        controller.enqueue(piece);
        if (stall) stall.refresh();
        else stall = new Deadline(stalled, controller).start(stallMs);
      },
      cancel() {
        end('closed');
      },
    },
    { highWaterMark: 0 },
  );
}
