import { ApiError } from '../errors/api-error';
import type { ChatCompletionChunk } from '../providers/types';
import { normalizeOpenAIUsage } from '../usage/openai-usage';
import type { Usage } from '../usage/types';
import { toAnthropicError } from './anthropic-errors';
import type { MessagesEvent } from './anthropic-types';
import type { MessageStreamBridge } from './message-stream-bridge';

const encoder = new TextEncoder();
/** One SSE frame as Anthropic sends it: the event name, then its JSON. */
export const sseFrame = (e: MessagesEvent) => encoder.encode(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);

/** Anthropic keeps idle streams alive with pings; 10 s stays under common proxy idle limits (nginx: 60 s). */
export const DEFAULT_PING_MS = 10_000;

export interface MessageEventStreamOptions {
  /** A `ping` is sent after this much silence from the upstream (Anthropic keeps idle streams alive the same way). */
  pingMs?: number;
  /** Usage when the upstream sent none (a cut stream is answered with an error, not this). */
  estimate: (deliveredText: string) => Promise<Usage>;
}

/**
 * An Anthropic SSE body from a chat chunk iterator (streamChatCompletion: the first chunk has
 * already arrived, so upstream failures before it were plain HTTP errors). Chunks go through the
 * bridge as they come; while the upstream is silent a `ping` goes out every `pingMs`; a failure
 * mid-stream ends it with `event: error` and Anthropic's error body. Cancelling the body (the
 * client left) ends the upstream call.
 */
export function messageEventStream(
  chunks: AsyncGenerator<ChatCompletionChunk>,
  bridge: MessageStreamBridge,
  opts: MessageEventStreamOptions,
): ReadableStream<Uint8Array> {
  const pingMs = opts.pingMs ?? DEFAULT_PING_MS;
  let started = false;
  let done = false;
  let pending: Promise<IteratorResult<ChatCompletionChunk>> | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const send = (events: MessagesEvent[]) => events.forEach((e) => controller.enqueue(sseFrame(e)));
        if (!started) {
          started = true;
          return send(bridge.start());
        }
        try {
          for (;;) {
            pending ??= chunks.next();
            let timer: Timer | undefined;
            const tick = new Promise<'ping'>((r) => (timer = setTimeout(() => r('ping'), pingMs)));
            const next = await Promise.race([pending, tick]).finally(() => clearTimeout(timer));
            if (next === 'ping') return send([{ type: 'ping' }]);
            pending = null;
            if (next.done) {
              const usage = bridge.lastUsage ?? (await opts.estimate(bridge.delivered));
              send(bridge.end(usage));
              done = true;
              return controller.close();
            }
            const events = bridge.push(next.value, next.value.usage ? normalizeOpenAIUsage(next.value.usage) : null);
            if (events.length) return send(events);
          }
        } catch (err) {
          const e = err instanceof ApiError ? err : new ApiError(502, 'The upstream stream failed.', 'api_error', 'upstream_error');
          send(bridge.fail(toAnthropicError(e).body.error));
          done = true;
          controller.close();
        }
      },
      async cancel() {
        if (!done) await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
