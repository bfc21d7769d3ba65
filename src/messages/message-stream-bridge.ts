import type { ChatCompletionChunk } from '../providers/types';
import type { Usage } from '../usage/types';
import type { DeliveredSample } from '../usage/estimate-usage';
import { tallyText } from '../providers/shared/tally-text';
import { DIRECT_CALLER, type AnthropicMessage, type MessagesEvent } from './anthropic-types';
import type { AnthropicError } from './anthropic-errors';
import { finalStop, matchedStopOf, toAnthropicUsage } from './chat-to-message';
import { ChatToolCalls, wholeJson as whole, type ChatToolCall } from '../providers/shared/chat-tool-calls';
import { toToolUseId } from './tool-use-id';

/** One tool call of the turn; `block` is its content block index once it started. */
interface Call extends ChatToolCall {
  block?: number;
}

type Open = { kind: 'text' | 'thinking'; index: number } | { kind: 'tool_use'; index: number; call: Call };
/** Content held back while a tool call's arguments are still arriving (see `waiting`). */
type Held = { kind: 'text' | 'thinking'; text: string } | { kind: 'tool_use'; call: Call };

/**
 * Chat completion chunks -> Anthropic's Messages event sequence, the way Anthropic streams:
 * `message_start`; per content block `content_block_start`, its deltas (`thinking_delta`,
 * `text_delta`, `input_json_delta`) and `content_block_stop`, one block at a time; one early
 * `ping` after the first block starts; then `message_delta` (stop_reason, usage) and
 * `message_stop`. Pure: events in, events out; pings during silences are the caller's.
 *
 * Anthropic's blocks never overlap, while chat's parallel tool calls may interleave (a call's
 * arguments after the next call started). A tool block stays open until its arguments form
 * whole JSON; what arrives meanwhile for other calls (and any text) is held and follows in
 * order once it closes, or at the end. Upstreams that send calls one after the other (OpenAI)
 * stream every call live.
 */
export class MessageStreamBridge {
  private open: Open | null = null;
  private nextIndex = 0;
  /**
   * Whitespace a text block would open with, held until text that is more than whitespace
   * follows: a block of whitespace alone (a model's "\n\n" before its tool calls) is dropped,
   * since Anthropic refuses it when the client sends the turn back (check-content.ts).
   */
  private blank = '';
  /** The turn's tool calls (told apart by index, or by id where the index does not). */
  private readonly calls = new ChatToolCalls<Call>((id) => ({ id, name: '', args: '' }));
  private readonly held: Held[] = [];
  private pinged = false;
  private finish: string | null = null;
  private matched: unknown;
  private usage: Usage | null = null;
  private ended = false;
  /** Text, reasoning and arguments delivered, for an estimate when the upstream sends no usage. */
  readonly delivered: DeliveredSample = { deliveredText: '' };

  constructor(
    private readonly skeleton: Omit<AnthropicMessage, 'content'>,
    private readonly stopSequences?: readonly string[],
    /** The client's name for a function name the request shortened (tool-name-limit.ts). */
    private readonly toolName: (name: string) => string = (name) => name,
  ) {}

  start(): MessagesEvent[] {
    return [{ type: 'message_start', message: { ...this.skeleton, content: [], usage: { ...this.skeleton.usage } } }];
  }

  /** `usage` is the chunk's usage in canonical form (the caller normalises it). */
  push(chunk: ChatCompletionChunk, usage?: Usage | null): MessagesEvent[] {
    const events: MessagesEvent[] = [];
    if (usage) this.usage = usage;
    const choice = chunk.choices?.[0] as (ChatCompletionChunk.Choice & Record<string, unknown>) | undefined;
    if (!choice) return events;
    const delta = (choice.delta ?? {}) as ChatCompletionChunk.Choice.Delta & { reasoning_content?: unknown };
    if (typeof delta.reasoning_content === 'string' && delta.reasoning_content) this.text('thinking', delta.reasoning_content, events);
    if (typeof delta.content === 'string' && delta.content) this.text('text', delta.content, events);
    if (typeof (delta as any).refusal === 'string' && (delta as any).refusal) {
      this.text('text', (delta as any).refusal, events);
      this.finish = 'content_filter';
    }
    for (const tc of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) this.tool(tc, events);
    if (choice.finish_reason && this.finish !== 'content_filter') this.finish = choice.finish_reason;
    const matched = matchedStopOf(choice);
    if (matched !== undefined && matched !== null) this.matched = matched;
    return events;
  }

  /** The upstream ended normally: close the open block, then message_delta and message_stop. */
  end(usage: Usage | null = this.usage): MessagesEvent[] {
    if (this.ended) return [];
    this.ended = true;
    const events: MessagesEvent[] = [];
    this.release(events, true);
    this.close(events);
    this.ping(events);
    const stop = finalStop(this.finish, this.matched, this.calls.count > 0, this.stopSequences);
    events.push({ type: 'message_delta', delta: { ...stop, stop_details: null }, usage: toAnthropicUsage(usage) });
    events.push({ type: 'message_stop' });
    return events;
  }

  /** The upstream failed after the stream started: Anthropic's `error` event ends the stream. */
  fail(error: AnthropicError): MessagesEvent[] {
    if (this.ended) return [];
    this.ended = true;
    return [{ type: 'error', error }];
  }

  get lastUsage(): Usage | null {
    return this.usage;
  }

  private ping(events: MessagesEvent[]): void {
    if (this.pinged) return;
    this.pinged = true;
    events.push({ type: 'ping' });
  }

  private begin(block: Record<string, unknown>, events: MessagesEvent[]): number {
    this.blank = '';
    const index = this.nextIndex++;
    events.push({ type: 'content_block_start', index, content_block: block });
    this.ping(events);
    return index;
  }

  private close(events: MessagesEvent[]): void {
    if (!this.open) return;
    // Anthropic ends every thinking block with a signature_delta; the gateway has no signature to
    // give, so it sends "" as the JSON answer does. The AI SDK reads a streamed signature only from
    // this event, and without one drops the block from the turn it sends back: the gateway then
    // cannot tell the turn had thinking (unsigned-thinking.ts), and a native Anthropic step refuses it.
    if (this.open.kind === 'thinking') events.push({ type: 'content_block_delta', index: this.open.index, delta: { type: 'signature_delta', signature: '' } });
    events.push({ type: 'content_block_stop', index: this.open.index });
    this.open = null;
  }

  /** An open tool block whose arguments are not whole yet holds back everything else. */
  private waiting(): boolean {
    return this.held.length > 0 || this.blocked();
  }

  private blocked(): boolean {
    return this.open?.kind === 'tool_use' && !whole(this.open.call.args);
  }

  /** Held content in order, as far as the open block allows (all of it at the end). */
  private release(events: MessagesEvent[], all = false): void {
    while (this.held.length && (all || !this.blocked())) {
      const h = this.held.shift()!;
      if (h.kind === 'tool_use') this.startCall(h.call, events);
      else this.emitText(h.kind, h.text, events);
    }
  }

  private text(kind: 'text' | 'thinking', text: string, events: MessagesEvent[]): void {
    tallyText(this.delivered, text);
    if (!this.waiting()) return this.emitText(kind, text, events);
    const last = this.held.at(-1);
    if (last?.kind === kind) last.text += text;
    else this.held.push({ kind, text });
  }

  private emitText(kind: 'text' | 'thinking', text: string, events: MessagesEvent[]): void {
    if (this.open?.kind !== kind) {
      if (kind === 'text' && !/\S/.test(text)) {
        this.blank += text;
        return;
      }
      if (kind === 'text') text = this.blank + text;
      this.close(events);
      const block = kind === 'text' ? { type: 'text', text: '', citations: null } : { type: 'thinking', thinking: '', signature: '' };
      this.open = { kind, index: this.begin(block, events) };
    }
    const d = kind === 'text' ? { type: 'text_delta', text } : { type: 'thinking_delta', thinking: text };
    events.push({ type: 'content_block_delta', index: this.open.index, delta: d });
  }

  private startCall(call: Call, events: MessagesEvent[]): void {
    this.close(events);
    call.block = this.begin({ type: 'tool_use', id: toToolUseId(call.id), name: this.toolName(call.name), input: {}, caller: DIRECT_CALLER }, events);
    this.open = { kind: 'tool_use', index: call.block, call };
    if (call.args) events.push({ type: 'content_block_delta', index: call.block, delta: { type: 'input_json_delta', partial_json: call.args } });
  }

  private tool(tc: ChatCompletionChunk.Choice.Delta.ToolCall, events: MessagesEvent[]): void {
    const { call, fresh } = this.calls.of(tc);
    const args = typeof tc.function?.arguments === 'string' ? tc.function.arguments : '';
    tallyText(this.delivered, args);
    if (fresh) {
      call.args = args;
      if (this.waiting()) this.held.push({ kind: 'tool_use', call });
      else this.startCall(call, events);
      return;
    }
    if (call.block === undefined) {
      call.args += args; // held: goes out whole when its turn comes
      return;
    }
    // Its block closed once its arguments were whole JSON: nothing valid can follow them.
    if (this.open?.kind !== 'tool_use' || this.open.call !== call) return;
    if (args) {
      call.args += args;
      events.push({ type: 'content_block_delta', index: call.block, delta: { type: 'input_json_delta', partial_json: args } });
    }
    this.release(events);
  }
}
