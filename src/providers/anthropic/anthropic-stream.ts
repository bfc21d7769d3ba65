import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { UpstreamError } from '../../errors/api-error';
import { anthropicUsageMerger } from '../../usage/anthropic-usage';
import { toOpenAIUsage } from '../../usage/types';
import { eventTransformer, type EventTranslator, type SendEvent } from '../shared/sse-event-stream';
import { tallyText } from '../shared/tally-text';
import type { ChatCallContext, StreamTally } from '../types';
import { streamError } from './anthropic-error';
import { completionId } from './anthropic-response';
import { JSON_TOOL } from './json-output';
import { mapStopReason, pausedTurn } from './map-stop-reason';
import type { ThinkingBlock } from './thinking-blocks';

type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string; thinking_blocks?: ThinkingBlock[] };
type FinishReason = ChatCompletionChunk.Choice['finish_reason'];

/** What is open at one content-block index. */
type OpenBlock =
  | { kind: 'text' }
  | { kind: 'thinking'; text: string; signature: string }
  /** `sent`: an argument piece went out; `start`: the input content_block_start carried. */
  | { kind: 'tool'; call: number; sent: boolean; start: unknown }
  /** The forced JSON-output tool (json-output.ts): its input streams as content. */
  | { kind: 'json'; sent: boolean; start: unknown }
  | { kind: 'other' };

/**
 * Anthropic Messages SSE bytes -> OpenAI `chat.completion.chunk` SSE bytes, event by event:
 * message_start -> the role chunk; text_delta -> content; thinking_delta -> reasoning_content;
 * thinking blocks, once their signature_delta arrived and they stopped, -> one `thinking_blocks`
 * delta with the whole blocks of that run (see thinking-blocks.ts); tool_use start -> a tool call with id and
 * name, input_json_delta -> its argument pieces; message_delta -> the finish reason, written
 * at message_stop. Usage: message_start holds the prompt counts, message_delta the output
 * count; they are merged. An `error` event (e.g. overloaded_error) throws an UpstreamError once
 * what came before it went out, so the proxy ends the stream with an error event and the
 * circuit breaker counts it.
 */
export function anthropicChatStream(ctx: ChatCallContext, tally: StreamTally): Transformer<Uint8Array, Uint8Array> {
  return eventTransformer(tally, (send) => anthropicTranslator(ctx, tally, send));
}

/** One Anthropic stream's translator: each parsed Messages event -> the OpenAI chunks it makes. */
function anthropicTranslator(ctx: ChatCallContext, tally: StreamTally, send: SendEvent): EventTranslator {
  const created = Math.floor(Date.now() / 1000);
  const blocks = new Map<number, OpenBlock>();
  let id = completionId(null);
  const mergedUsage = anthropicUsageMerger();
  let toolCalls = 0;
  let stopReason: unknown = null;
  let finished = false;
  /**
   * message_start's role chunk, held until the answer says something: Anthropic's 200, message_start
   * and a ping, then `event: error` (overloaded_error) is then a failure before the first byte, as its
   * 529 would be (a group's next target; an HTTP error the client's SDK retries), not a failed stream.
   */
  let roleOwed = false;
  /**
   * Finished thinking blocks (signed or redacted) of the run that opened the turn, sent together as
   * one `thinking_blocks` delta when the next other block starts (or at message_stop): the OpenAI
   * SDK's stream helper keeps an extra delta field as its last chunk set it, so blocks sent one per
   * chunk would reach its final message (and runTools' next turn) as the last block alone.
   */
  let heldThinking: ThinkingBlock[] = [];
  const sendThinking = () => {
    if (heldThinking.length === 0) return;
    emit({ thinking_blocks: heldThinking });
    heldThinking = [];
  };

  const emit = (delta: Delta, finish: FinishReason = null, extra?: object) => {
    if (roleOwed) {
      roleOwed = false;
      emit({ role: 'assistant', content: '' });
    }
    const chunk: ChatCompletionChunk = { id, object: 'chat.completion.chunk', created, model: ctx.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish, ...extra }] };
    send(JSON.stringify(chunk));
  };
  const mergeUsage = (u: unknown) => {
    if (u && typeof u === 'object') tally.usage = mergedUsage(u);
  };

  const onEvent = (data: string) => {
    if (finished || data.trim() === '') return;
    let e: any;
    try {
      e = JSON.parse(data);
    } catch {
      throw new UpstreamError('anthropic', null, 'Anthropic (anthropic) sent a stream event that is not JSON.', true);
    }
    switch (e?.type) {
      case 'message_start':
        if (typeof e.message?.id === 'string') id = completionId(e.message.id);
        mergeUsage(e.message?.usage);
        // Its output_tokens is a placeholder until message_delta's count arrives.
        if (tally.usage) tally.outputPending = true;
        roleOwed = true;
        break;
      case 'content_block_start':
        onBlockStart(e.index, e.content_block);
        break;
      case 'content_block_delta':
        onBlockDelta(e.index, e.delta);
        break;
      case 'content_block_stop': {
        const b = blocks.get(e.index);
        if (b?.kind === 'thinking') heldThinking.push({ type: 'thinking', thinking: b.text, signature: b.signature });
        // A JSON answer whose input came whole in content_block_start (no deltas) still goes out.
        if (b?.kind === 'json' && !b.sent) onText(JSON.stringify(b.start ?? {}));
        // A call without input (a tool that takes no parameters) gets only an empty input_json_delta:
        // its arguments are "{}" as in the JSON answer (and OpenAI's), never "" which JSON.parse refuses.
        if (b?.kind === 'tool' && !b.sent) emit({ tool_calls: [{ index: b.call, function: { arguments: JSON.stringify(b.start ?? {}) } }] });
        blocks.delete(e.index);
        break;
      }
      case 'message_delta':
        if (e.delta?.stop_reason) stopReason = e.delta.stop_reason;
        mergeUsage(e.usage);
        if (typeof e.usage?.output_tokens === 'number') tally.outputPending = false;
        break;
      case 'message_stop': {
        sendThinking();
        finished = true;
        const finish = mapStopReason(stopReason, toolCalls > 0);
        tally.finishReason = finish;
        emit({}, finish, pausedTurn(stopReason));
        break;
      }
      case 'error':
        throw streamError(data, ctx.apiKey);
      // ping, and event types added later, carry nothing for the client.
    }
  };

  const onBlockStart = (index: number, cb: any) => {
    if (cb?.type !== 'thinking' && cb?.type !== 'redacted_thinking') sendThinking();
    if (cb?.type === 'text') {
      blocks.set(index, { kind: 'text' });
      if (typeof cb.text === 'string' && cb.text) onText(cb.text);
    } else if (cb?.type === 'thinking') {
      blocks.set(index, { kind: 'thinking', text: '', signature: typeof cb.signature === 'string' ? cb.signature : '' });
    } else if (cb?.type === 'redacted_thinking' && typeof cb.data === 'string') {
      blocks.set(index, { kind: 'other' });
      heldThinking.push({ type: 'redacted_thinking', data: cb.data });
    } else if (cb?.type === 'tool_use' && cb.name === JSON_TOOL) {
      blocks.set(index, { kind: 'json', sent: false, start: cb.input });
    } else if (cb?.type === 'tool_use' && typeof cb.name === 'string') {
      const call = toolCalls++;
      blocks.set(index, { kind: 'tool', call, sent: false, start: cb.input });
      tallyText(tally, cb.name);
      const callId = typeof cb.id === 'string' ? cb.id : `toolu_${crypto.randomUUID().replace(/-/g, '')}`;
      emit({ tool_calls: [{ index: call, id: callId, type: 'function', function: { name: cb.name, arguments: '' } }] });
    } else {
      blocks.set(index, { kind: 'other' });
    }
  };

  const onText = (text: string) => {
    tallyText(tally, text);
    emit({ content: text });
  };

  const onBlockDelta = (index: number, d: any) => {
    const b = blocks.get(index);
    if (!b || !d) return;
    if (d.type === 'text_delta' && typeof d.text === 'string' && d.text) onText(d.text);
    else if (d.type === 'thinking_delta' && b.kind === 'thinking' && typeof d.thinking === 'string' && d.thinking) {
      b.text += d.thinking;
      tallyText(tally, d.thinking);
      emit({ reasoning_content: d.thinking });
    } else if (d.type === 'signature_delta' && b.kind === 'thinking' && typeof d.signature === 'string') {
      b.signature += d.signature;
    } else if (d.type === 'input_json_delta' && b.kind === 'json' && typeof d.partial_json === 'string' && d.partial_json) {
      b.sent = true;
      onText(d.partial_json);
    } else if (d.type === 'input_json_delta' && b.kind === 'tool' && typeof d.partial_json === 'string' && d.partial_json) {
      b.sent = true;
      tallyText(tally, d.partial_json);
      emit({ tool_calls: [{ index: b.call, function: { arguments: d.partial_json } }] });
    }
  };

  return {
    event: (e) => onEvent(e.data),
    end() {
      if (!finished) throw new UpstreamError('anthropic', null, 'Anthropic (anthropic) stream ended before the message was complete.', true);
      if (ctx.clientWantsUsage && tally.usage) {
        const chunk: ChatCompletionChunk = { id, object: 'chat.completion.chunk', created, model: ctx.model, choices: [], usage: toOpenAIUsage(tally.usage) };
        send(JSON.stringify(chunk));
      } else if (ctx.clientWantsUsage) tally.usageOwed = { id, created, model: ctx.model };
    },
  };
}
