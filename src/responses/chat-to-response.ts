import type { ChatCompletion, ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import { textRunsOf } from '../providers/shared/text-runs';
import { wholeJson } from '../providers/shared/chat-tool-calls';
import { newId, outputItemId } from './response-ids';
import { finalStatus, reasoningSummary, toResponseUsage, wantsReasoningSummary } from './response-skeleton';
import type { ItemStatus, MessageItem, OutputItem, ResponseObject } from './responses-types';
import { encodeThinking } from './thinking-content';
import { outputLogprobs, type OutputLogprob } from './map-logprobs';

/**
 * A chat completion -> the finished `response` object: reasoning first, then the message, then
 * one `function_call` (or `custom_tool_call`) item per tool call (the order OpenAI's own models produce); text the model
 * wrote after a call comes after it where the adapter marked the runs. The reasoning text is the
 * item's `content`, and also its `summary` when the request asked for one.
 */
export function chatToResponse(completion: ChatCompletion, skeleton: ResponseObject, now = Date.now()): ResponseObject {
  const choice = completion.choices[0];
  const msg = (choice?.message ?? {}) as ChatCompletion.Choice['message'] & { reasoning_content?: string | null; thinking_blocks?: unknown };
  const encrypted = encodeThinking(msg.thinking_blocks);
  const { status, incomplete_details } = finalStatus(choice?.finish_reason, (choice as { stop_reason?: unknown } | undefined)?.stop_reason);
  const itemStatus: ItemStatus = status === 'completed' ? 'completed' : 'incomplete';
  const output: OutputItem[] = [];

  if (msg.reasoning_content || encrypted) {
    output.push({
      type: 'reasoning',
      id: outputItemId('rs', skeleton.id, output.length),
      summary: reasoningSummary(wantsReasoningSummary(skeleton), msg.reasoning_content ?? ''),
      content: msg.reasoning_content ? [{ type: 'reasoning_text', text: msg.reasoning_content }] : [],
      status: 'completed',
      ...(encrypted ? { encrypted_content: encrypted } : {}),
    });
  }
  // One call at most with parallel_tool_calls false, whatever the upstream made (providers/shared/one-tool-call.ts).
  const toolCalls = msg.tool_calls ?? [];
  // Text the model wrote after its calls (Gemini's parts text, functionCall, text) keeps its place,
  // a message item of its own, as the stream bridge opens one for text after a call (text-runs.ts).
  const runs = textRunsOf(msg);
  let sent = 0;
  if (runs) {
    for (const run of runs) {
      sent = pushCalls(output, toolCalls, sent, run.callsBefore, skeleton.id);
      if (run.text) output.push(messageItem(skeleton.id, output.length, run.text, null));
    }
    if (msg.refusal) output.push(messageItem(skeleton.id, output.length, null, msg.refusal));
  } else if (msg.content || msg.refusal || (toolCalls.length === 0 && output.length === 0)) {
    // A completion with nothing else still answers with one (empty) message, as the stream bridge
    // does; reasoning alone (cut by the token limit while thinking) is answered as it streams, and
    // as OpenAI answers it: the reasoning item without an empty message after it.
    output.push(messageItem(skeleton.id, output.length, msg.content, msg.refusal, outputLogprobs(choice?.logprobs)));
  }
  pushCalls(output, toolCalls, sent, toolCalls.length, skeleton.id);
  // Cut off by the token limit, as the stream bridge marks it: the last item, and a call whose
  // arguments are no whole JSON, stopped midway; the items before it had finished.
  output.forEach((item, i) => {
    const cut = i === output.length - 1 || (item.type === 'function_call' && !wholeJson(item.arguments));
    item.status = itemStatus === 'incomplete' && cut ? 'incomplete' : 'completed';
  });
  return {
    ...skeleton,
    status,
    incomplete_details,
    completed_at: status === 'completed' ? Math.floor(now / 1000) : null,
    output,
    usage: toResponseUsage(completion.usage),
  };
}

/** A message item: its text (an empty one when there is no refusal either), then the refusal. */
function messageItem(responseId: string, index: number, text: string | null | undefined, refusal: string | null | undefined, logprobs: OutputLogprob[] = []): MessageItem {
  const content: MessageItem['content'] = [];
  if (text || !refusal) content.push({ type: 'output_text', text: text ?? '', annotations: [], logprobs });
  if (refusal) content.push({ type: 'refusal', refusal });
  return { type: 'message', id: outputItemId('msg', responseId, index), status: 'completed', role: 'assistant', content };
}

/** function_call (custom_tool_call) items for calls `from` up to `to` (at most the calls there are); returns where it stopped. */
function pushCalls(output: OutputItem[], calls: readonly ChatCompletionMessageToolCall[], from: number, to: number, responseId: string): number {
  const end = Math.min(to, calls.length);
  for (let i = from; i < end; i++) {
    const call = calls[i]!;
    if (call.type === 'custom') {
      const { name, input } = call.custom ?? {};
      output.push({ type: 'custom_tool_call', id: outputItemId('ctc', responseId, output.length), call_id: call.id || newId('call'), name: name ?? '', input: input ?? '', status: 'completed' });
      continue;
    }
    if (call.type !== 'function') continue;
    output.push({
      type: 'function_call',
      id: outputItemId('fc', responseId, output.length),
      // As the stream bridge does when an upstream leaves them out (the schema requires both).
      call_id: call.id || newId('call'),
      name: call.function.name ?? '',
      arguments: call.function.arguments ?? '',
      status: 'completed',
    });
  }
  return Math.max(from, end);
}
