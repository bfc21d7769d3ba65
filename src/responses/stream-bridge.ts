import { deltaLogprobs, outputLogprobs, type OutputLogprob } from './map-logprobs';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { ChatToolCalls, wholeJson, type ChatToolCall } from '../providers/shared/chat-tool-calls';
import { newId, outputItemId } from './response-ids';
import { finalStatus, reasoningSummary, responseError, toResponseUsage, wantsReasoningSummary } from './response-skeleton';
import type {
  CustomToolCallItem,
  FunctionCallItem,
  ItemStatus,
  MessageItem,
  OutputItem,
  ReasoningItem,
  ResponseEvent,
  ResponseObject,
  ResponseUsage,
} from './responses-types';
import { encodeThinking } from './thinking-content';
import type { DeliveredSample } from '../usage/estimate-usage';
import { tallyText } from '../providers/shared/tally-text';

interface OpenText {
  /** `refusal`: a message item whose part is a refusal (an OpenAI model's `delta.refusal`). */
  kind: 'message' | 'refusal' | 'reasoning';
  outputIndex: number;
  item: MessageItem | ReasoningItem;
  text: string;
  /** The message's token logprobs so far (`include: ["message.output_text.logprobs"]`, `top_logprobs`). */
  logprobs?: OutputLogprob[];
  /** Anthropic thinking blocks received for this reasoning item (kept as its encrypted_content). */
  thinking?: unknown[];
  /** The reasoning item's summary part is open (its text is `text`, see wantsReasoningSummary). */
  summarizing?: boolean;
}

/**
 * A tool call of the turn and, once it started, its function_call item (a custom call's
 * custom_tool_call item, its input in `args`; `done` once that closed).
 */
interface Call extends ChatToolCall {
  open?: { outputIndex: number; item: FunctionCallItem | CustomToolCallItem };
  done?: boolean;
  custom?: boolean;
}

/** A call that can grow no more: a custom call's input is any text, so it closes when something else comes. */
const whole = (call: Call): boolean => call.custom === true || wholeJson(call.args);

/**
 * Turns chat completion chunks into the Responses event sequence, the way OpenAI's own models
 * stream: response.created, response.in_progress, then per output item `output_item.added`,
 * its content part and deltas, their `.done` events, `output_item.done`, and finally
 * response.completed / response.incomplete / response.failed. Every event carries an increasing
 * `sequence_number`. When the request asked for a reasoning summary, a reasoning item's text also
 * streams as its summary part (reasoning_summary_part/text events after each content event, once
 * it has text).
 *
 * A function_call item closes (arguments.done, output_item.done) once its arguments are whole
 * JSON and something else comes (a custom_tool_call item, its input any text, once something else comes) (text, reasoning, the next call), so calls sent one after the
 * other stream in OpenAI's order. Some upstreams interleave the argument pieces of parallel calls:
 * a call whose arguments are not whole yet stays open alongside the next ones (each event names
 * its item and output_index) until they are, or the stream ends. Calls are told apart by id
 * where the index does not (left out, or 0 for every call).
 */
export class ResponsesStreamBridge {
  private seq = 0;
  private readonly response: ResponseObject;
  private readonly output: OutputItem[] = [];
  private openText: OpenText | null = null;
  private readonly calls = new ChatToolCalls<Call>((id) => ({ id, name: '', args: '' }));
  /** Calls whose function_call item is open, in output order. */
  private openCalls: Call[] = [];
  private finishReason: string | null = null;
  /** The finishing choice's `stop_reason` (Anthropic's `pause_turn`: map-stop-reason.ts). */
  private stopReason: unknown = null;
  private usage: ChatCompletionChunk['usage'] = null;
  private ended = false;
  private readonly summaries: boolean;
  /** Text, reasoning and tool names and arguments delivered, for an estimate when the upstream sends no usage. */
  readonly delivered: DeliveredSample = { deliveredText: '' };
  /** The usage to report when the upstream sent none (the estimate the request's row bills); set before `finish` or `fail`. */
  usageEstimate: ResponseUsage | null = null;

  constructor(skeleton: ResponseObject) {
    this.response = { ...skeleton, status: 'in_progress', output: [] };
    this.summaries = wantsReasoningSummary(skeleton);
  }

  /** Whether an upstream chunk carried usage. */
  get hasUsage(): boolean {
    return !!this.usage;
  }

  /** The response as it stands (final once `finish` or `fail` ran). */
  get result(): ResponseObject {
    return this.response;
  }

  /**
   * The stream's first events: response.created and response.in_progress; for a background
   * response, as OpenAI streams one, response.created and response.queued (status `queued`), its
   * response.in_progress following once the upstream answers (inProgress).
   */
  start(queued = false): ResponseEvent[] {
    if (queued) {
      const waiting = { ...structuredClone(this.response), status: 'queued' as const };
      return [this.ev('response.created', { response: waiting }), this.ev('response.queued', { response: waiting })];
    }
    const snapshot = structuredClone(this.response);
    return [this.ev('response.created', { response: snapshot }), this.inProgress()[0]!];
  }

  /** response.in_progress with the response as it stands. */
  inProgress(): ResponseEvent[] {
    return [this.ev('response.in_progress', { response: structuredClone(this.response) })];
  }

  push(chunk: ChatCompletionChunk): ResponseEvent[] {
    const events: ResponseEvent[] = [];
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return events;
    const delta = (choice.delta ?? {}) as ChatCompletionChunk.Choice.Delta & { reasoning_content?: string | null };
    const refusal = typeof delta.refusal === 'string' ? delta.refusal : '';
    // In the order the chat adapters tally delivered text (content, reasoning, refusal, tool calls), so an
    // estimate counts what the row's does.
    if (delta.content) tallyText(this.delivered, delta.content);
    if (delta.reasoning_content) tallyText(this.delivered, delta.reasoning_content);
    tallyText(this.delivered, refusal);
    if (delta.reasoning_content) this.appendText('reasoning', delta.reasoning_content, events);
    const blocks = (delta as { thinking_blocks?: unknown }).thinking_blocks;
    if (Array.isArray(blocks) && blocks.length) this.addThinking(blocks, events);
    // Logprobs come only when asked for (request-to-chat.ts), on the chunk of the text they score.
    if (delta.content) this.appendText('message', delta.content, events, choice.logprobs);
    // An OpenAI model's refusal (structured outputs): a message whose part is the refusal, as the non-stream answer holds it.
    if (refusal) this.appendText('refusal', refusal, events);
    for (const tc of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) this.tool(tc, events);
    if (choice.finish_reason) {
      this.finishReason = choice.finish_reason;
      this.stopReason = (choice as { stop_reason?: unknown }).stop_reason;
    }
    return events;
  }

  /** The upstream stream ended normally: close what is open and report the final response. */
  finish(now = Date.now()): ResponseEvent[] {
    if (this.ended) return [];
    this.ended = true;
    const events: ResponseEvent[] = [];
    const { status, incomplete_details } = finalStatus(this.finishReason, this.stopReason);
    const itemStatus: ItemStatus = status === 'completed' ? 'completed' : 'incomplete';
    // A completion with neither text nor tool calls still answers with one (empty) message.
    if (this.output.length === 0) this.appendText('message', '', events);
    this.closeText(events, itemStatus);
    // Cut off by the token limit: the last item, and a call whose arguments are no whole JSON, stopped
    // midway (a client must not run it); calls whose arguments were complete before had finished.
    this.closeTools(events, (call, i) => (status !== 'completed' && (i === this.output.length - 1 || !whole(call)) ? 'incomplete' : 'completed'));
    Object.assign(this.response, {
      status,
      incomplete_details,
      completed_at: status === 'completed' ? Math.floor(now / 1000) : null,
      output: this.output,
      usage: toResponseUsage(this.usage) ?? this.usageEstimate,
    });
    const type = status === 'completed' ? 'response.completed' : 'response.incomplete';
    events.push(this.ev(type, { response: structuredClone(this.response) }));
    return events;
  }

  /** The upstream failed (`err`, or its message): close open items as incomplete and end with response.failed. */
  fail(err: unknown): ResponseEvent[] {
    return this.stop('failed', responseError(err));
  }

  /**
   * The call was ended (a cancel, or the client left mid-stream): the response stops as
   * `cancelled`, its open items incomplete, as a later retrieve shows it. OpenAI's stream events
   * have no `response.cancelled` (the SDKs' stream helpers throw on a type they do not know): the
   * last event is `response.incomplete` carrying the response, status `cancelled` (incomplete_details
   * null), which the SDKs read as the end; a background response's followers get it.
   */
  cancel(): ResponseEvent[] {
    return this.stop('cancelled', null);
  }

  private stop(status: 'failed' | 'cancelled', error: ResponseObject['error']): ResponseEvent[] {
    if (this.ended) return [];
    this.ended = true;
    const events: ResponseEvent[] = [];
    this.closeText(events, 'incomplete');
    this.closeTools(events, () => 'incomplete');
    Object.assign(this.response, { status, error, output: this.output, usage: toResponseUsage(this.usage) ?? this.usageEstimate });
    const type = status === 'failed' ? 'response.failed' : 'response.incomplete';
    events.push(this.ev(type, { response: structuredClone(this.response) }));
    return events;
  }

  private tool(tc: ChatCompletionChunk.Choice.Delta.ToolCall, events: ResponseEvent[]): void {
    const { call, fresh } = this.calls.of(tc);
    if (fresh && tc?.type === 'custom') call.custom = true;
    const piece = call.custom ? tc?.custom?.input : tc?.function?.arguments;
    const args = typeof piece === 'string' ? piece : '';
    const name = tc?.function?.name ?? tc?.custom?.name;
    if (typeof name === 'string') tallyText(this.delivered, name);
    tallyText(this.delivered, args);
    this.closeText(events, 'completed');
    if (fresh) {
      this.closeTools(events, undefined, true);
      const ids = { call_id: call.id ?? newId('call'), name: call.name };
      const item: FunctionCallItem | CustomToolCallItem = call.custom
        ? { type: 'custom_tool_call', id: outputItemId('ctc', this.response.id, this.output.length), ...ids, input: '', status: 'in_progress' }
        : { type: 'function_call', id: outputItemId('fc', this.response.id, this.output.length), ...ids, arguments: '', status: 'in_progress' };
      call.open = { outputIndex: this.output.push(item) - 1, item };
      this.openCalls.push(call);
      events.push(this.ev('response.output_item.added', { output_index: call.open.outputIndex, item: { ...item } }));
    }
    // Its item closed once its arguments were whole JSON: nothing valid can follow them.
    if (call.done || !call.open || !args) return;
    call.args += args;
    const { item, outputIndex } = call.open;
    const at = { item_id: item.id, output_index: outputIndex, delta: args };
    if (item.type === 'custom_tool_call') {
      item.input = call.args;
      return void events.push(this.ev('response.custom_tool_call_input.delta', at));
    }
    item.arguments = call.args;
    events.push(this.ev('response.function_call_arguments.delta', at));
  }

  private ev(type: string, fields: Record<string, unknown>): ResponseEvent {
    return { type, sequence_number: this.seq++, ...fields };
  }

  private appendText(kind: OpenText['kind'], text: string, events: ResponseEvent[], chatLogprobs?: unknown): void {
    if (this.openText?.kind !== kind) {
      this.closeText(events, 'completed');
      this.closeTools(events, undefined, true);
      const item: MessageItem | ReasoningItem =
        kind !== 'reasoning'
          ? { type: 'message', id: outputItemId('msg', this.response.id, this.output.length), status: 'in_progress', role: 'assistant', content: [] }
          : { type: 'reasoning', id: outputItemId('rs', this.response.id, this.output.length), summary: [], content: [], status: 'in_progress' };
      const outputIndex = this.output.push(item) - 1;
      this.openText = { kind, outputIndex, item, text: '' };
      events.push(this.ev('response.output_item.added', { output_index: outputIndex, item: structuredClone(item) }));
      events.push(
        this.ev('response.content_part.added', {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          part: this.part(kind, ''),
        }),
      );
    }
    if (!text) return;
    const open = this.openText!;
    open.text += text;
    const base = { item_id: open.item.id, output_index: open.outputIndex, content_index: 0, delta: text };
    if (kind === 'message') {
      const scored = chatLogprobs ? outputLogprobs(chatLogprobs) : [];
      if (scored.length) (open.logprobs ??= []).push(...scored);
      return void events.push(this.ev('response.output_text.delta', { ...base, logprobs: deltaLogprobs(scored) }));
    }
    if (kind === 'refusal') return void events.push(this.ev('response.refusal.delta', base));
    events.push(this.ev('response.reasoning_text.delta', base));
    if (!this.summaries) return;
    const ids = { item_id: open.item.id, output_index: open.outputIndex, summary_index: 0 };
    if (!open.summarizing) {
      open.summarizing = true;
      events.push(this.ev('response.reasoning_summary_part.added', { ...ids, part: { type: 'summary_text', text: '' } }));
    }
    events.push(this.ev('response.reasoning_summary_text.delta', { ...ids, delta: text }));
  }

  /** A finished, signed thinking block: it joins the open reasoning item (opening one if needed). */
  private addThinking(blocks: unknown[], events: ResponseEvent[]): void {
    if (this.openText?.kind !== 'reasoning') this.appendText('reasoning', '', events);
    const open = this.openText!;
    open.thinking = [...(open.thinking ?? []), ...blocks];
    (open.item as ReasoningItem).encrypted_content = encodeThinking(open.thinking)!;
  }

  private part(kind: OpenText['kind'], text: string, logprobs: OutputLogprob[] = []) {
    if (kind === 'refusal') return { type: 'refusal' as const, refusal: text };
    return kind === 'message'
      ? { type: 'output_text' as const, text, annotations: [], logprobs }
      : { type: 'reasoning_text' as const, text };
  }

  private closeText(events: ResponseEvent[], status: ItemStatus): void {
    const open = this.openText;
    if (!open) return;
    this.openText = null;
    const ids = { item_id: open.item.id, output_index: open.outputIndex, content_index: 0 };
    if (open.kind === 'message') {
      events.push(this.ev('response.output_text.done', { ...ids, text: open.text, logprobs: deltaLogprobs(open.logprobs ?? []) }));
    } else if (open.kind === 'refusal') {
      events.push(this.ev('response.refusal.done', { ...ids, refusal: open.text }));
    } else {
      events.push(this.ev('response.reasoning_text.done', { ...ids, text: open.text }));
    }
    const part = this.part(open.kind, open.text, open.logprobs);
    events.push(this.ev('response.content_part.done', { ...ids, part }));
    open.item.content = [part] as any;
    if (open.summarizing) {
      const summary = { item_id: open.item.id, output_index: open.outputIndex, summary_index: 0 };
      events.push(this.ev('response.reasoning_summary_text.done', { ...summary, text: open.text }));
      events.push(this.ev('response.reasoning_summary_part.done', { ...summary, part: { type: 'summary_text', text: open.text } }));
      (open.item as ReasoningItem).summary = reasoningSummary(true, open.text);
    }
    open.item.status = status;
    events.push(this.ev('response.output_item.done', { output_index: open.outputIndex, item: structuredClone(open.item) }));
  }

  /**
   * Closes the open function_call items, in output order (with `wholeOnly`, those whose arguments
   * are whole JSON), each with the status `statusOf` gives it (its call and output_index).
   */
  private closeTools(events: ResponseEvent[], statusOf: (call: Call, outputIndex: number) => ItemStatus = () => 'completed', wholeOnly = false): void {
    const closing = wholeOnly ? this.openCalls.filter(whole) : this.openCalls;
    if (!closing.length) return;
    this.openCalls = this.openCalls.filter((c) => !closing.includes(c));
    for (const call of closing) {
      const { outputIndex, item } = call.open!;
      call.done = true;
      // A name that came after output_item.added is in the done events.
      Object.assign(item, { name: call.name, status: statusOf(call, outputIndex) });
      const ids = { item_id: item.id, output_index: outputIndex };
      events.push(
        item.type === 'custom_tool_call'
          ? this.ev('response.custom_tool_call_input.done', { ...ids, input: item.input })
          : this.ev('response.function_call_arguments.done', { ...ids, name: item.name, arguments: item.arguments }),
      );
      events.push(this.ev('response.output_item.done', { output_index: outputIndex, item: { ...item } }));
    }
  }
}
