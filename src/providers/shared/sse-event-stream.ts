import type { StreamTally } from '../types';
import { SseParser, type SseEvent } from './sse-parser';
import { concatBytes } from '../../http/concat-bytes';

const encoder = new TextEncoder();

/** Writes one `data: <data>` event to the client. */
export type SendEvent = (data: string) => void;

/** An adapter's translation of one upstream stream, over its parsed events. */
export interface EventTranslator {
  /**
   * One upstream event -> what the client gets for it: `send` any number of times (none drops
   * it). A throw fails the stream once what was sent before it went out, so the proxy ends the
   * stream with an error event (and the breaker counts it).
   */
  event(e: SseEvent): void;
  /** The upstream ended: send what is still owed (a usage chunk); throw when the stream was cut. */
  end(): void;
}

/**
 * Upstream SSE bytes -> client SSE bytes through a translator (made with the `send` it writes
 * to): the one SSE parser frames the events, the translator turns each into OpenAI chunks, and
 * what one upstream read produced goes on as one encoded piece. The gateway always ends with its
 * own `data: [DONE]`. A Transformer, so the proxy can run it inline (src/proxy/inline-transform.ts)
 * or anyone as `new TransformStream(...)`.
 */
export function eventTransformer(tally: StreamTally, translator: (send: SendEvent) => EventTranslator): Transformer<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  // Verbatim: while a read is ASCII, began at an event boundary and its events came framed
  // canonically (`data: <data>\n\n`, nothing the parser counts as irregular), where each event
  // lies in the read is known, so an event sent unchanged goes out as its bytes (a run of such
  // events as one range) instead of being written into text and encoded again. A read whose every
  // event went out so is sent as the bytes that arrived. The saving is the output text and its
  // encoding: ~17 KiB of allocation for a 20-chunk stream that arrives in one read with its usage
  // chunk dropped (BENCHMARKS.md, "Cutting the per-request cost" and session 17).
  let read: Uint8Array | null = null; // the read, while its events' places are known
  let irregularAt = 0; // parser.irregular when the read began
  let at = 0; // where the current event begins in the read
  let runStart = 0; // the run of unchanged events not yet written out: read[runStart, runEnd)
  let runEnd = 0;
  const pieces: Uint8Array[] = []; // what the read produced so far, in order; `out` follows it
  let out = '';
  const closeRun = () => {
    if (runEnd > runStart) pieces.push(read!.subarray(runStart, runEnd));
    runStart = runEnd = 0;
  };
  let current: string | null = null; // the data of the event being translated
  let sent = false; // whether it was sent
  const send: SendEvent = (data) => {
    if (read !== null && current !== null && !sent && data === current) {
      sent = true;
      const end = at + data.length + 8; // `data: ` and the blank line
      if (runEnd > runStart && runEnd === at) {
        runEnd = end;
        return;
      }
      closeRun();
      if (out) pieces.push(encoder.encode(out));
      out = '';
      runStart = at;
      runEnd = end;
      return;
    }
    closeRun();
    sent = true;
    out += `data: ${data}\n\n`;
  };
  const t = translator(send);
  const parser = new SseParser((e) => {
    // Lines the parser counted as irregular (a comment, another field) moved the events: their places are no longer known.
    if (read !== null && parser.irregular !== irregularAt) {
      closeRun();
      read = null;
    }
    current = e.data;
    sent = false;
    try {
      t.event(e);
    } finally {
      if (!sent) closeRun();
      at += e.data.length + 8;
      current = null;
    }
  });
  /** Sends what the read produced: the read's own bytes when they are exactly that, else its pieces joined. */
  const emit = (controller: TransformStreamDefaultController<Uint8Array>) => {
    let piece: Uint8Array | null;
    if (read !== null && pieces.length === 0 && !out && runStart === 0 && runEnd === read.byteLength && parser.idle() && parser.irregular === irregularAt) {
      piece = read;
    } else {
      closeRun();
      if (out) pieces.push(encoder.encode(out));
      piece = pieces.length === 0 ? null : pieces.length === 1 ? pieces[0]! : concatBytes(pieces);
    }
    read = null;
    runStart = runEnd = 0;
    pieces.length = 0;
    out = '';
    if (!piece?.byteLength) return;
    controller.enqueue(piece);
    tally.firstByteAt ??= performance.now();
  };
  return {
    transform(bytes, controller) {
      const text = decoder.decode(bytes, { stream: true });
      // ASCII (one byte per character, nothing held back by the decoder) and no event begun before.
      const verbatim = text.length === bytes.byteLength && (bytes.byteLength === 0 || bytes[0]! < 0x80) && parser.idle();
      read = verbatim ? bytes : null;
      irregularAt = parser.irregular;
      at = 0;
      try {
        parser.push(text);
      } finally {
        emit(controller);
      }
    },
    flush(controller) {
      try {
        parser.push(decoder.decode());
        parser.end();
        t.end();
        send('[DONE]');
      } finally {
        emit(controller);
      }
    },
  };
}
