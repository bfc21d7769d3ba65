import type { ApiError } from '../errors/api-error';
import { stalledError } from '../http/paced-body';
import type { OpenedUpstream } from './open-upstream';
import { clientClosed } from './upstream-errors';

/** What one relay does with its upstream's reads; pullRelay does the rest. */
export interface RelaySteps {
  /**
   * One pull: reads and hands on what the client gets (controller.enqueue). Answers the stream's
   * outcome when it is over (pullRelay then closes the body), or null when more follows.
   */
  step(controller: ReadableStreamDefaultController<Uint8Array>): { error: ApiError | null } | null | Promise<{ error: ApiError | null } | null>;
  /** What ends the body when a read fails after the first byte (an error event in the API's shape). */
  errorBytes(e: ApiError): Uint8Array[];
  /** Runs exactly once, when the stream is over: null error = finished normally. */
  onEnd(error: ApiError | null): void;
}

/**
 * The client-facing body of a relayed upstream stream, pull-based (a slow client slows the
 * upstream read instead of filling memory). The idle timer counts the upstream's silence while a
 * read waits on it (`touch`) and the client's while the relay waits for it to take more
 * (`awaitClient`): a client that stops reading for that long is dropped (499
 * `client_read_timeout`), and the upstream is not blamed. A failure after the first byte ends the
 * body with `errorBytes`, never a dropped socket, and cancels the upstream's body; a client that
 * goes away aborts the upstream at once.
 */
export function pullRelay(up: OpenedUpstream, reader: { cancel(): Promise<void> }, steps: RelaySteps): ReadableStream<Uint8Array> {
  let ended = false;
  const end = (error: ApiError | null) => {
    if (ended) return;
    ended = true;
    up.dispose();
    steps.onEnd(error);
  };
  let out!: ReadableStreamDefaultController<Uint8Array>;
  /**
   * The upstream call ended while the relay waited for its client (it is aborted already): the
   * client took nothing for the idle timeout, or the gateway cut the call to stop.
   */
  const stalled = () => {
    if (ended) return;
    const e = up.failure(null);
    reader.cancel().catch(() => {});
    end(e);
    if (e.code === 'shutting_down') {
      // The stream ends with the error event behind what the client has yet to take (the server
      // cuts a client that does not take it in time).
      for (const bytes of steps.errorBytes(e)) out.enqueue(bytes);
      return out.close();
    }
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
          // The client asks for more: silence from here on is the upstream's.
          up.touch();
          const over = await steps.step(controller);
          if (over) {
            controller.close();
            end(over.error);
            return;
          }
          up.awaitClient(stalled);
        } catch (err) {
          const e = up.failure(err);
          if (ended) return; // cancelled meanwhile
          // The upstream is not read any further (an event refused as too long, an error event, a
          // broken read): its connection goes now, not when the upstream stops writing.
          reader.cancel().catch(() => {});
          for (const bytes of steps.errorBytes(e)) controller.enqueue(bytes);
          controller.close();
          end(e);
        }
      },
      cancel() {
        up.abort();
        reader.cancel().catch(() => {});
        end(clientClosed());
      },
    },
    { highWaterMark: 0 },
  );
}
