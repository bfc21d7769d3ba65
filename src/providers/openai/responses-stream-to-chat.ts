import { UpstreamError } from '../../errors/api-error';
import { toOpenAIUsage } from '../../usage/types';
import { errorChunkStatus, errorWords } from '../shared/error-in-answer';
import { eventTransformer } from '../shared/sse-event-stream';
import { tallyText } from '../shared/tally-text';
import type { ChatCallContext, ChunkEnvelope, StreamTally } from '../types';
import { chatIdOf, finishReasonOf, unfinishedResponse } from './response-to-chat';
import { usageFromResponse } from '../../usage/response-usage';

/**
 * OpenAI's Responses SSE (a Responses-only model's answer to a chat request) -> chat.completion.chunk
 * SSE: response.created opens the stream (the assistant role), output_text and refusal deltas are
 * content and refusal deltas, a function_call item and its argument deltas a tool call numbered
 * in the order the calls came, response.completed (or .incomplete) the finish chunk and, when the
 * client asked for it, the usage chunk. A failed response, an `error` event, or a stream that ends
 * before its terminal event fail the stream (the proxy's error event).
 */
export function responsesStreamToChat(ctx: ChatCallContext, tally: StreamTally): Transformer<Uint8Array, Uint8Array> {
  let envelope: ChunkEnvelope | null = null;
  let finished = false;
  /** Tool call index by the function_call item's id (and by its output_index, which argument deltas also name). */
  const calls = new Map<string, number>();
  return eventTransformer(tally, (send) => {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => {
      envelope ??= { id: chatIdOf(undefined), created: Math.floor(Date.now() / 1000), model: ctx.model };
      send(JSON.stringify({ ...envelope, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] }));
    };
    return {
      event({ data }) {
        let e: any;
        try {
          e = JSON.parse(data);
        } catch {
          return; // not an event of the API's: skipped, as the chat stream skips junk lines
        }
        if (finished) return;
        switch (e?.type) {
          case 'response.created': {
            const r = e.response ?? {};
            envelope = { id: chatIdOf(r.id), created: typeof r.created_at === 'number' ? r.created_at : Math.floor(Date.now() / 1000), model: typeof r.model === 'string' ? r.model : ctx.model };
            chunk({ role: 'assistant', content: '', refusal: null });
            return;
          }
          case 'response.output_text.delta':
          case 'response.refusal.delta': {
            if (typeof e.delta !== 'string' || !e.delta) return;
            tallyText(tally, e.delta);
            chunk(e.type === 'response.refusal.delta' ? { refusal: e.delta } : { content: e.delta });
            return;
          }
          case 'response.output_item.added': {
            const item = e.item;
            if (item?.type !== 'function_call' && item?.type !== 'custom_tool_call') return;
            const index = calls.size;
            calls.set(String(item.id ?? `#${e.output_index}`), index).set(`#${e.output_index}`, index);
            tallyText(tally, item.name ?? '');
            // A custom (freeform) tool's call streams as chat streams one: `custom: {name, input}`.
            const call = item.type === 'custom_tool_call' ? { type: 'custom', custom: { name: item.name, input: '' } } : { type: 'function', function: { name: item.name, arguments: '' } };
            chunk({ tool_calls: [{ index, id: item.call_id, ...call }] });
            return;
          }
          case 'response.function_call_arguments.delta':
          case 'response.custom_tool_call_input.delta': {
            const index = calls.get(String(e.item_id)) ?? calls.get(`#${e.output_index}`);
            if (index === undefined || typeof e.delta !== 'string' || !e.delta) return;
            tallyText(tally, e.delta);
            chunk({ tool_calls: [{ index, ...(e.type === 'response.custom_tool_call_input.delta' ? { custom: { input: e.delta } } : { function: { arguments: e.delta } }) }] });
            return;
          }
          case 'response.completed':
          case 'response.incomplete': {
            finished = true;
            const reason = finishReasonOf(e.response, calls.size > 0)!;
            tally.finishReason = reason;
            const usage = usageFromResponse(e.response);
            if (usage) tally.usage = usage;
            chunk({}, reason);
            if (ctx.clientWantsUsage && usage) send(JSON.stringify({ ...envelope, object: 'chat.completion.chunk', choices: [], usage: toOpenAIUsage(usage) }));
            else if (ctx.clientWantsUsage) tally.usageOwed = envelope ?? undefined;
            return;
          }
          case 'response.failed':
          case 'response.cancelled':
            throw unfinishedResponse(e.response) ?? unfinishedResponse({ status: 'failed' })!;
          case 'error': {
            // OpenAI's event carries code and message itself; a relay's may nest them in `error`.
            const status = errorChunkStatus(e);
            const words = errorWords(e.error && typeof e.error === 'object' ? e.error : e, 'stream error');
            // A 401 or 403 is the provider refusing the gateway's key: 502 to the client, as the chat stream says it.
            throw new UpstreamError('openai', status, `openai stream failed: ${words}`, true, status === 401 || status === 403 ? 502 : undefined, status === 429 ? 'rate_limit_exceeded' : undefined);
          }
        }
      },
      end() {
        if (!finished) throw new UpstreamError('openai', null, 'openai stream ended before its terminal event', true);
      },
    };
  });
}
