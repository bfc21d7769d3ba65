import type { ApiError } from '../errors/api-error';
import type { OpenedUpstream } from '../proxy/open-upstream';
import { bearerJsonPost } from '../providers/shared/upstream-call';
import { SseParser } from '../providers/shared/sse-parser';
import type { ProviderSettings, UpstreamCall } from '../providers/types';
import { clientClosed } from '../proxy/upstream-errors';
import type { Usage } from '../usage/types';
import { usageFromResponse } from './response-usage';
import type { ResponsesRequest } from './responses-types';

/** The Responses call for OpenAI itself: the client's body as sent, with the concrete model id. */
export function buildOpenAIResponsesCall(req: ResponsesRequest, model: string, settings: ProviderSettings): UpstreamCall {
  return bearerJsonPost(settings, '/responses', { ...req, model }, req.stream ? { accept: 'text/event-stream' } : undefined);
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const encoder = new TextEncoder();

/**
 * Relays OpenAI's Responses SSE bytes unmodified (pull-based, so a slow client slows the
 * upstream read) while watching the terminal event for usage. A failure after the first byte
 * ends the stream with an `error` event (what OpenAI's SDKs raise), not a dropped socket.
 */
export function relayResponsesStream(
  up: OpenedUpstream,
  onEnd: (end: { usage: Usage | null; error: ApiError | null; responseId?: string | null }) => void,
): ReadableStream<Uint8Array> {
  const reader = up.res.body!.getReader();
  const decoder = new TextDecoder();
  let usage: Usage | null = null;
  let responseId: string | null = null;
  let events = 0;
  let ended = false;
  const parser = new SseParser((e) => {
    events++;
    if (e.event !== null && !TERMINAL.has(e.event) && e.event !== 'response.created') return;
    try {
      const data = JSON.parse(e.data);
      // The id is kept so the client's later GET/DELETE of this response can be checked and forwarded.
      if (typeof data?.response?.id === 'string') responseId = data.response.id;
      if (TERMINAL.has(data?.type)) usage = usageFromResponse(data.response?.usage) ?? usage;
    } catch {
      // not JSON: nothing to account
    }
  });
  const end = (error: ApiError | null) => {
    if (ended) return;
    ended = true;
    up.dispose();
    onEnd({ usage, error, responseId });
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const r = await reader.read();
          if (r.done) {
            parser.end();
            controller.close();
            end(null);
            return;
          }
          up.touch();
          parser.push(decoder.decode(r.value, { stream: true }));
          controller.enqueue(r.value);
        } catch (err) {
          const e = up.failure(err);
          if (ended) return;
          const payload = { type: 'error', code: e.code, message: e.message, param: null, sequence_number: events };
          controller.enqueue(encoder.encode(`event: error\ndata: ${JSON.stringify(payload)}\n\n`));
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
