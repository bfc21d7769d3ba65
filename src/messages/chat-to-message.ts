import type { ChatCompletion } from '../providers/types';
import type { Usage } from '../usage/types';
import { DIRECT_CALLER, type AnthropicContentBlock, type AnthropicMessage, type AnthropicUsage, type StopReason } from './anthropic-types';
import { toToolUseId } from './tool-use-id';
import { textRunsOf } from '../providers/shared/text-runs';
import { blankArguments } from '../providers/shared/tool-arguments';

/** A fresh Anthropic-style message id. */
export const newMessageId = () => `msg_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;

/**
 * Canonical usage -> Anthropic's: its `input_tokens` leaves out cache reads and cache writes,
 * which are `cache_read_input_tokens` and `cache_creation_input_tokens`. The upstream's reasoning
 * (DeepSeek's, Kimi's, Gemini's thoughts, xAI's, OpenAI's) is `output_tokens_details.thinking_tokens`,
 * part of `output_tokens` as in Anthropic's usage, told only when there was some: a count of 0 from an
 * upstream that reports none could not be told from one that thought nothing.
 */
export function toAnthropicUsage(u: Usage | null): AnthropicUsage {
  const cached = u?.cachedInput ?? 0;
  const written = u?.cacheWrite ?? 0;
  const output = u?.output ?? 0;
  const thinking = Math.min(u?.reasoning ?? 0, output);
  return {
    input_tokens: Math.max(0, (u?.input ?? 0) - cached - written),
    cache_creation_input_tokens: written,
    cache_read_input_tokens: cached,
    output_tokens: output,
    ...(thinking > 0 ? { output_tokens_details: { thinking_tokens: thinking } } : {}),
  };
}

/**
 * finish_reason -> stop_reason. OpenAI-style APIs (and Gemini's STOP) say `stop` both for a
 * natural end and for a stop sequence, and the sequence itself is cut from the text, so the
 * gateway cannot tell them apart: `end_turn`. Only an upstream that names the sequence it matched
 * (vLLM's `stop_reason`, SGLang's `matched_stop`, as a string) is believed, and only for one of
 * the client's own `stop_sequences` on a `stop` finish; then the answer is `stop_sequence`.
 */
export function mapStopReason(
  finish: string | null | undefined,
  matched?: unknown,
  stopSequences?: readonly string[],
): { stop_reason: StopReason; stop_sequence: string | null } {
  switch (finish) {
    case 'length':
      return { stop_reason: 'max_tokens', stop_sequence: null };
    case 'tool_calls':
    case 'function_call':
      return { stop_reason: 'tool_use', stop_sequence: null };
    case 'content_filter':
      return { stop_reason: 'refusal', stop_sequence: null };
    default:
      if (finish === 'stop' && typeof matched === 'string' && matched && stopSequences?.includes(matched)) {
        return { stop_reason: 'stop_sequence', stop_sequence: matched };
      }
      return { stop_reason: 'end_turn', stop_sequence: null };
  }
}

/** As mapStopReason, but a turn that made tool calls ends in `tool_use` unless it was cut short. */
export function finalStop(finish: string | null | undefined, matched: unknown, hasCalls: boolean, stopSequences?: readonly string[]) {
  const stop = mapStopReason(finish, matched, stopSequences);
  return hasCalls && stop.stop_reason === 'end_turn' ? { stop_reason: 'tool_use' as const, stop_sequence: null } : stop;
}

/** The sequence an upstream says it stopped at (vLLM `stop_reason`, SGLang `matched_stop`), if any. */
export const matchedStopOf = (choice: any): unknown => choice?.stop_reason ?? choice?.matched_stop;

/** Tool arguments (a JSON string) -> tool_use input; Anthropic's input is always an object. */
export function toolInput(args: unknown): Record<string, unknown> {
  if (blankArguments(args)) return {};
  try {
    const v = JSON.parse(args as string);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/**
 * A chat completion -> an Anthropic message: thinking (from `reasoning_content`), text, then
 * tool_use blocks, in the order the model produced them (text after a call after it, where the
 * adapter marked the runs: text-runs.ts). `disable_parallel_tool_use` went up as
 * parallel_tool_calls: false, and the chat answer holds one call at most then, whatever the
 * upstream made (providers/shared/one-tool-call.ts), as Anthropic answers.
 */
export function chatToMessage(
  completion: ChatCompletion,
  o: { id: string; model: string; usage: Usage | null; stopSequences?: readonly string[]; toolName?: (name: string) => string },
): AnthropicMessage {
  const choice = completion.choices?.[0] as (ChatCompletion.Choice & Record<string, unknown>) | undefined;
  const m = (choice?.message ?? {}) as ChatCompletion.Choice['message'] & { reasoning_content?: unknown; refusal?: unknown };
  const content: AnthropicContentBlock[] = [];
  if (typeof m.reasoning_content === 'string' && m.reasoning_content) {
    content.push({ type: 'thinking', thinking: m.reasoning_content, signature: '' });
  }
  const calls = Array.isArray(m.tool_calls) ? m.tool_calls : [];
  // Text the model wrote after its calls (Gemini's parts text, functionCall, text) keeps its place, as the stream's blocks do.
  const runs = textRunsOf(m);
  let sent = 0;
  if (runs) {
    for (const run of runs) {
      sent = pushCalls(content, calls, sent, run.callsBefore, o.toolName);
      pushText(content, run.text);
    }
  } else if (typeof m.content === 'string') pushText(content, m.content);
  const refused = typeof m.refusal === 'string' && m.refusal !== '';
  if (refused) content.push({ type: 'text', text: m.refusal as string, citations: null });
  pushCalls(content, calls, sent, calls.length, o.toolName);
  const hasCalls = content.some((b) => b.type === 'tool_use');
  const stop = refused ? { stop_reason: 'refusal' as const, stop_sequence: null } : finalStop(choice?.finish_reason, matchedStopOf(choice), hasCalls, o.stopSequences);
  return {
    id: o.id,
    type: 'message',
    role: 'assistant',
    model: o.model,
    content,
    ...stop,
    stop_details: null,
    usage: toAnthropicUsage(o.usage),
  };
}

/** A text block, unless whitespace alone (a model's "\n\n" before its calls): Anthropic refuses that sent back (check-content.ts). */
function pushText(content: AnthropicContentBlock[], text: string): void {
  if (/\S/.test(text)) content.push({ type: 'text', text, citations: null });
}

/** tool_use blocks for calls `from` up to `to` (at most the calls there are); returns where it stopped. */
function pushCalls(content: AnthropicContentBlock[], calls: readonly unknown[], from: number, to: number, toolName?: (name: string) => string): number {
  const end = Math.min(to, calls.length);
  for (let i = from; i < end; i++) {
    const call = calls[i] as any;
    const fn = call?.function;
    // A name that is no string is left empty, as the stream bridge does (String() of an upstream's
    // object with its own non-function toString key threw: a 500).
    const name = typeof fn?.name === 'string' ? fn.name : '';
    content.push({ type: 'tool_use', id: toToolUseId(call?.id), name: toolName ? toolName(name) : name, input: toolInput(fn?.arguments), caller: DIRECT_CALLER });
  }
  return Math.max(from, end);
}
