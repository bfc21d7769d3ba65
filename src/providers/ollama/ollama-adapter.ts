import { PROVIDER_CATALOG } from '../provider-catalog';
import { createOpenAICompatibleAdapter } from '../openai-compatible/create-openai-compatible-adapter';
import {
  completionTokensToMaxTokens,
  developerToSystem,
  inlineRemoteImages,
} from '../openai-compatible/message-quirks';
import { refuseAudioOutput, refuseLogitBias, refuseSeveralChoices, refuseWebSearchOptions } from '../shared/unsupported-params';
import { fitContentParts } from '../shared/content-parts';
import { blankArguments } from '../shared/tool-arguments';
import { imagesForOllama } from './ollama-images';
import { splitThinkTag, ThinkTagSplitter } from './think-tags';

/** Ollama names the thinking text `reasoning`; clients of the gateway get `reasoning_content`. */
function renameReasoning(holder: any): boolean {
  if (!holder || holder.reasoning === undefined) return false;
  if (holder.reasoning_content === undefined) holder.reasoning_content = holder.reasoning;
  delete holder.reasoning;
  return true;
}

export function ollamaChunk(chunk: any): boolean {
  let changed = false;
  for (const choice of chunk?.choices ?? []) changed = renameReasoning(choice?.delta) || changed;
  return changed;
}

/**
 * One stream's chunk hook: the rename above, reasoning written inline as `<think>…</think>` taken
 * out of the content (think-tags.ts), and the finish of a choice that streamed tool calls.
 * Ollama's OpenAI endpoint closed such a stream with finish_reason `stop` until ollama/ollama#7963
 * (its non-stream answer said `tool_calls`), and clients that run tools only on `tool_calls` (agent
 * loops, the SDKs' tool runners) would take the turn for over: it goes out as `tool_calls`.
 */
function ollamaStreamHook(): (chunk: any) => boolean {
  const called = new Set<number>();
  const tags = new ThinkTagSplitter();
  return (chunk) => {
    let changed = ollamaChunk(chunk);
    if (tags.split(chunk)) changed = true;
    for (const choice of chunk?.choices ?? []) {
      const index = typeof choice?.index === 'number' ? choice.index : 0;
      if (Array.isArray(choice?.delta?.tool_calls) && choice.delta.tool_calls.length > 0) called.add(index);
      if (choice?.finish_reason === 'stop' && called.has(index)) {
        choice.finish_reason = 'tool_calls';
        changed = true;
      }
    }
    return changed;
  };
}

/** A whole answer: `reasoning` renamed, or reasoning written inline as `<think>…</think>` taken out of the content. */
export function ollamaResponse(body: any): void {
  for (const choice of body?.choices ?? []) {
    const message = choice?.message;
    if (renameReasoning(message) || typeof message?.content !== 'string') continue;
    const split = splitThinkTag(message.content);
    if (!split) continue;
    message.content = split.content;
    message.reasoning_content = split.reasoning;
  }
}

/**
 * The other way: an assistant turn's `reasoning_content` (what clients got) goes back as Ollama's
 * `reasoning`, the only field its OpenAI endpoint reads the thinking from (gpt-oss needs it in a
 * tool loop).
 */
export function reasoningBackToOllama(body: Record<string, any>): void {
  if (!Array.isArray(body.messages) || !body.messages.some((m: any) => m?.role === 'assistant' && m.reasoning_content != null)) return;
  body.messages = body.messages.map((m: any) => {
    if (m?.role !== 'assistant' || m.reasoning_content == null) return m;
    const { reasoning_content, ...rest } = m;
    return typeof reasoning_content === 'string' && rest.reasoning == null ? { ...rest, reasoning: reasoning_content } : rest;
  });
}

const blankCall = (tc: any): boolean => tc?.function != null && blankArguments(tc.function.arguments);

/**
 * A history tool call without arguments (`arguments: ""`, which some clients send for a call that
 * takes none, or none at all) goes as `"{}"`: Ollama's OpenAI endpoint parses every earlier call's
 * arguments as JSON and answers anything else with a 400 "invalid tool call arguments"
 * (openai/openai.go FromCompletionToolCall). The messages are copied where a call changes.
 */
export function emptyToolArguments(body: Record<string, any>): void {
  const blank = (m: any) => m?.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.some(blankCall);
  if (!Array.isArray(body.messages) || !body.messages.some(blank)) return;
  body.messages = body.messages.map((m: any) =>
    blank(m) ? { ...m, tool_calls: m.tool_calls.map((tc: any) => (blankCall(tc) ? { ...tc, function: { ...tc.function, arguments: '{}' } } : tc)) } : m,
  );
}

/**
 * Ollama's OpenAI endpoint ignores `tool_choice`: the model may call any tool
 * it was given, or none. What the gateway can do for it, it does with the tools sent: `none` sends
 * no tools (the model cannot call one), a named function sends only that tool (chat's `allowed_tools`
 * already went as the tools it allows). `required` cannot be enforced and goes as sent.
 */
export function toolsForChoice(body: Record<string, any>): void {
  const choice = body.tool_choice;
  if (!Array.isArray(body.tools) || choice == null) return;
  if (choice === 'none') {
    delete body.tools;
    delete body.tool_choice;
    delete body.parallel_tool_calls;
    return;
  }
  // (chat's `allowed_tools` arrives here as the allowed tools and its mode: providers/shared/allowed-tools.ts.)
  if (choice?.type !== 'function') return;
  const kept = body.tools.filter((t: any) => t?.function?.name === choice.function?.name);
  if (kept.length > 0) body.tools = kept;
}

/** OpenAI's efforts Ollama's OpenAI endpoint does not take, as the nearest it does. */
const OLLAMA_EFFORT: Record<string, string> = { minimal: 'low', xhigh: 'high', max: 'high' };

/**
 * Ollama's OpenAI endpoint takes `reasoning_effort` `high`, `medium`, `low` or `none` only, and
 * refuses any other word with a 400 (`invalid reasoning value: 'minimal' (must be "high", "medium",
 * "low", or "none")`, openai/openai.go): OpenAI's `minimal` goes as `low`, `xhigh` and `max` as `high`.
 */
export function effortForOllama(body: Record<string, any>): void {
  const nearest = OLLAMA_EFFORT[body.reasoning_effort];
  if (nearest) body.reasoning_effort = nearest;
}

/**
 * Ollama's OpenAI endpoint has no `n` (refused above 1) nor `logit_bias`, audio output or web search (refused),
 * reads text and images only (`input_audio` and `file` parts refused, a tool result's document a placeholder;
 * JPEG, PNG and WebP only: imagesForOllama), parses every history tool call's arguments (emptyToolArguments),
 * ignores `tool_choice` (the tools sent follow it instead: toolsForChoice),
 * takes four efforts (effortForOllama), reads only `max_tokens` and cannot fetch remote image URLs (it
 * wants base64), so those are downloaded by the gateway and inlined; its thinking field is
 * `reasoning` both ways, and reasoning a model wrote inline as `<think>…</think>` comes out as it
 * (think-tags.ts); a stream's tool calls finish as `tool_calls` (ollamaStreamHook).
 */
export const ollamaAdapter = createOpenAICompatibleAdapter({
  id: 'ollama',
  defaultBaseUrl: PROVIDER_CATALOG.ollama.defaultBaseUrl,
  async transformRequestBody(body, { deps }) {
    // Its OpenAI endpoint has no `n` nor `logit_bias` (docs/api/openai-compatibility): it would ignore them.
    refuseSeveralChoices(body, 'ollama', 'its OpenAI endpoint makes one choice a request');
    refuseLogitBias(body, 'ollama', 'its OpenAI endpoint has no logit bias');
    refuseAudioOutput(body, 'ollama');
    refuseWebSearchOptions(body, 'ollama', 'its models do not search the web');
    fitContentParts(body, 'ollama');
    developerToSystem(body);
    completionTokensToMaxTokens(body);
    toolsForChoice(body);
    effortForOllama(body);
    reasoningBackToOllama(body);
    emptyToolArguments(body);
    await inlineRemoteImages(body, deps);
    imagesForOllama(body);
    return body;
  },
  streamChunkHook: ollamaStreamHook,
  transformResponse: ollamaResponse,
});
