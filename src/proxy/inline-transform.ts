import { concatBytes } from '../http/concat-bytes';

/** What the relay reads a transformed stream through (inlineTransform; a ReadableStream reader fits too). */
export interface ChunkReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
}

const DONE: ReadableStreamReadResult<Uint8Array> = { done: true, value: undefined };


/**
 * Runs a Transformer (an adapter's chatStream) on each chunk of `source` as it is read, instead
 * of piping through a TransformStream: per stream that saves the TransformStream, the pipe and a
 * promise hop per chunk. Measured (bench/stream-transform.ts setup, OpenAI's 23-event stream, in
 * process, fastest of 12 rounds): ~6-8 µs per stream when it arrives in one read, ~15-30 µs when
 * each event is its own read; end to end it was 94.8 -> 89.8 µs of gateway CPU per stream (see
 * BENCHMARKS.md, "Hot-path changes"). Pull-based like the pipe (nothing is read before the relay
 * asks); what one upstream chunk (or the flush) produced is handed on as one piece. A throw from the transformer cancels
 * the source, as an errored pipe would, and rejects read() once what it enqueued was read (the flush's too).
 */
export function inlineTransform(
  source: ReadableStreamDefaultReader<Uint8Array>,
  t: Transformer<Uint8Array, Uint8Array>,
  /**
   * Told of each upstream read that made nothing to hand on (an SSE comment, a blank line, part of
   * an event): bytes came, so the upstream is not silent (DeepSeek's `: keep-alive` comments while
   * a request is queued, for minutes) and its idle timer restarts (open-upstream.ts touch).
   * Asked after a read that made something whether the rest of the body has arrived (`arrived`).
   */
  upstream?: { touch(): void; arrived?(): boolean },
): ChunkReader {
  const queue: Uint8Array[] = [];
  let flushed = false;
  /** A transformer failure held back until what it sent before failing was read. */
  let failed: { err: unknown } | null = null;
  const controller = {
    desiredSize: 1,
    enqueue: (chunk: Uint8Array) => void queue.push(chunk),
    error: (reason: unknown) => {
      throw reason;
    },
    terminate: () => {
      flushed = true;
    },
  } as TransformStreamDefaultController<Uint8Array>;
  return {
    async read() {
      if (failed) throw failed.err;
      // A body that has wholly arrived is read to its end at once (nothing to wait for), so the
      // whole answer goes out as one piece (stream-relay.ts then sends it as its bytes).
      while (queue.length === 0 || (!flushed && !failed && upstream?.arrived?.() === true)) {
        if (flushed) return DONE;
        const r = await source.read();
        if (r.done) {
          flushed = true;
          try {
            const p = t.flush?.(controller);
            if (p) await p;
          } catch (err) {
            // What the flush sent before failing (an unterminated last event) goes out first, as below.
            if (queue.length === 0) throw err;
            failed = { err };
          }
        } else {
          try {
            const p = t.transform?.(r.value, controller);
            if (p) await p;
          } catch (err) {
            // As a pipe does when its transform fails: the upstream body is not read any further.
            source.cancel(err).catch(() => {});
            if (queue.length === 0) throw err;
            // Chunks that shared the failing read (before an error event) still go out first.
            failed = { err };
          }
          if (queue.length === 0) upstream?.touch();
        }
      }
      const value = queue.length === 1 ? queue[0]! : concatBytes(queue);
      queue.length = 0;
      return { done: false, value };
    },
    cancel: (reason) => source.cancel(reason),
  };
}
