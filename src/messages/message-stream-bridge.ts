import type { ChatCompletionChunk } from '../providers/types';
import type { Usage } from '../usage/types';
import type { AnthropicMessage, MessagesEvent } from './anthropic-types';
import { finalStop, matchedStopOf, toAnthropicUsage } from './chat-to-message';
import { toToolUseId } from './tool-use-id';

type Open = { kind: 'text' | 'thinking'; index: number } | { kind: 'tool_use'; index: number; call: number };

/**
 * Chat completion chunks -> Anthropic's Messages event sequence, the way Anthropic streams:
 * `message_start`; per content block `content_block_start`, its deltas (`thinking_delta`,
 * `text_delta`, `input_json_delta`) and `content_block_stop`, one block at a time; one early
 * `ping` after the first block starts; then `message_delta` (stop_reason, usage) and
 * `message_stop`. Pure: events in, events out; pings during silences are the caller's.
 */
export class MessageStreamBridge {
  private open: Open | null = null;
  private nextIndex = 0;
  /** Block index of each chat tool call index (a late argument delta still finds its block). */
  private readonly toolBlocks = new Map<number, number>();
  private pinged = false;
  private finish: string | null = null;
  private matched: unknown;
  private usage: Usage | null = null;
  private ended = false;
  /** Text, reasoning and arguments delivered, for an estimate when the upstream sends no usage. */
  delivered = '';

  constructor(
    private readonly skeleton: Omit<AnthropicMessage, 'content'>,
    private readonly stopSequences?: readonly string[],
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
    this.close(events);
    this.ping(events);
    const stop = finalStop(this.finish, this.matched, this.toolBlocks.size > 0, this.stopSequences);
    events.push({ type: 'message_delta', delta: { ...stop, stop_details: null }, usage: toAnthropicUsage(usage) });
    events.push({ type: 'message_stop' });
    return events;
  }

  /** The upstream failed after the stream started: Anthropic's `error` event ends the stream. */
  fail(error: { type: string; message: string }): MessagesEvent[] {
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
    const index = this.nextIndex++;
    events.push({ type: 'content_block_start', index, content_block: block });
    this.ping(events);
    return index;
  }

  private close(events: MessagesEvent[]): void {
    if (!this.open) return;
    events.push({ type: 'content_block_stop', index: this.open.index });
    this.open = null;
  }

  private text(kind: 'text' | 'thinking', text: string, events: MessagesEvent[]): void {
    this.delivered += text;
    if (this.open?.kind !== kind) {
      this.close(events);
      const block = kind === 'text' ? { type: 'text', text: '', citations: null } : { type: 'thinking', thinking: '', signature: '' };
      this.open = { kind, index: this.begin(block, events) };
    }
    const d = kind === 'text' ? { type: 'text_delta', text } : { type: 'thinking_delta', thinking: text };
    events.push({ type: 'content_block_delta', index: this.open.index, delta: d });
  }

  private tool(tc: ChatCompletionChunk.Choice.Delta.ToolCall, events: MessagesEvent[]): void {
    const call = typeof tc?.index === 'number' ? tc.index : 0;
    let index = this.toolBlocks.get(call);
    if (index === undefined) {
      this.close(events);
      index = this.begin({ type: 'tool_use', id: toToolUseId(tc.id), name: tc.function?.name ?? '', input: {} }, events);
      this.toolBlocks.set(call, index);
      this.open = { kind: 'tool_use', index, call };
    }
    const args = tc.function?.arguments;
    if (typeof args === 'string' && args) {
      this.delivered += args;
      // Upstreams send one call's arguments before the next call starts; should one interleave,
      // its delta still names its own block, so the client assembles every call whole.
      events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args } });
    }
  }
}
