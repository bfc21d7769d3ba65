import type { StreamTally } from '../types';
import { SseParser, type SseEvent } from './sse-parser';

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
  let out = '';
  // Pass-through: a read whose every event went out as the upstream's own `data`, once each, in
  // canonical framing, is sent as the bytes that arrived instead of being encoded again. The
  // saving is the output string and its encoding, ~4.5 KB of allocation per stream (BENCHMARKS.md,
  // "Cutting the per-request cost").
  let passThrough = false;
  // While it holds, the events sent unchanged are only counted: their text is written out (from
  // `kept`) if the read turns out not to pass through after all.
  const kept: string[] = [];
  let keptChars = 0;
  const leavePassThrough = () => {
    if (!passThrough) return;
    passThrough = false;
    for (const d of kept) out += `data: ${d}\n\n`;
    kept.length = 0;
  };
  let current: string | null = null; // the data of the event being translated
  let sent = false; // whether it was sent
  const send: SendEvent = (data) => {
    if (passThrough && current !== null && !sent && data === current) {
      sent = true;
      kept.push(data);
      keptChars += data.length + 8; // `data: ` and the blank line
      return;
    }
    leavePassThrough();
    sent = true;
    out += `data: ${data}\n\n`;
  };
  const t = translator(send);
  const parser = new SseParser((e) => {
    current = e.data;
    sent = false;
    try {
      t.event(e);
    } finally {
      if (!sent) leavePassThrough();
      current = null;
    }
  });
  /** Sends what the read produced: `same`, the read's own bytes when they are exactly that, else the text encoded. */
  const emit = (controller: TransformStreamDefaultController<Uint8Array>, same: Uint8Array | null = null) => {
    if (same === null) leavePassThrough();
    kept.length = 0;
    keptChars = 0;
    passThrough = false;
    const piece = same ?? (out ? encoder.encode(out) : null);
    out = '';
    if (!piece?.byteLength) return;
    controller.enqueue(piece);
    tally.firstByteAt ??= performance.now();
  };
  return {
    transform(bytes, controller) {
      const text = decoder.decode(bytes, { stream: true });
      // ASCII (one byte per character, nothing held back by the decoder) and no event begun before.
      passThrough = text.length === bytes.byteLength && (bytes.byteLength === 0 || bytes[0]! < 0x80) && parser.idle();
      const irregular = parser.irregular;
      try {
        parser.push(text);
      } finally {
        const same = passThrough && keptChars === text.length && parser.irregular === irregular && parser.idle();
        emit(controller, same ? bytes : null);
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
