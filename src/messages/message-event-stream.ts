import { ApiError } from '../errors/api-error';
import { chunkEventStream } from '../proxy/chunk-event-stream';
import type { ChatCompletionChunk } from '../providers/types';
import { normalizeOpenAIUsage } from '../usage/openai-usage';
import type { Usage } from '../usage/types';
import type { DeliveredSample } from '../usage/estimate-usage';
import { toAnthropicError } from './anthropic-errors';
import type { MessagesEvent } from './anthropic-types';
import type { MessageStreamBridge } from './message-stream-bridge';

/** Anthropic keeps idle streams alive with pings; 10 s stays under common proxy idle limits (nginx: 60 s). */
export const DEFAULT_PING_MS = 10_000;

export interface MessageEventStreamOptions {
  /** A `ping` is sent after this much silence from the upstream (Anthropic keeps idle streams alive the same way). */
  pingMs?: number;
  /** Usage when the upstream sent none (a cut stream is answered with an error, not this). */
  estimate: (delivered: DeliveredSample) => Promise<Usage>;
}

/**
 * An Anthropic SSE body from a chat chunk iterator (proxy/chunk-event-stream.ts): chunks go
 * through the bridge as they come; while the upstream is silent a `ping` goes out every `pingMs`;
 * a failure mid-stream ends it with `event: error` and Anthropic's error body.
 */
export function messageEventStream(
  chunks: AsyncGenerator<ChatCompletionChunk>,
  bridge: MessageStreamBridge,
  opts: MessageEventStreamOptions,
): ReadableStream<Uint8Array> {
  return chunkEventStream<MessagesEvent>(
    chunks,
    {
      start: () => bridge.start(),
      push: (c) => bridge.push(c, c.usage ? normalizeOpenAIUsage(c.usage) : null),
      finish: async () => bridge.end(bridge.lastUsage ?? (await opts.estimate(bridge.delivered))),
      fail: (err) => {
        const e = err instanceof ApiError ? err : new ApiError({ status: 502, message: 'The upstream stream failed.', type: 'api_error', code: 'upstream_error' });
        return bridge.fail(toAnthropicError(e).body.error);
      },
    },
    { ping: { type: 'ping' }, pingMs: opts.pingMs ?? DEFAULT_PING_MS },
  );
}
