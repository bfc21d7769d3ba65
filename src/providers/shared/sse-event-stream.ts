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
  const send: SendEvent = (data) => void (out += `data: ${data}\n\n`);
  const t = translator(send);
  const parser = new SseParser((e) => t.event(e));
  const emit = (controller: TransformStreamDefaultController<Uint8Array>) => {
    if (!out) return;
    controller.enqueue(encoder.encode(out));
    out = '';
    tally.firstByteAt ??= performance.now();
  };
  return {
    transform(bytes, controller) {
      try {
        parser.push(decoder.decode(bytes, { stream: true }));
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
