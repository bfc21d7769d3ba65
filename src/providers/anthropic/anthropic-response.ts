import type { ChatCompletion } from 'openai/resources/chat/completions';
import { normalizeAnthropicUsage } from '../../usage/anthropic-usage';
import { toOpenAIUsage, type Usage } from '../../usage/types';
import type { ChatCallContext } from '../types';
import type { AnthropicResponse, AnthropicResponseBlock } from './anthropic-wire';
import { JSON_TOOL } from './json-output';
import { mapStopReason, pausedTurn } from './map-stop-reason';
import type { ThinkingBlock } from './thinking-blocks';

/** OpenAI id for a completion, from Anthropic's message id (`msg_…`) when it sent one. */
export function completionId(messageId: unknown): string {
  const tail = typeof messageId === 'string' && /^[A-Za-z0-9_-]+$/.test(messageId) ? messageId : crypto.randomUUID().replace(/-/g, '');
  return `chatcmpl-${tail}`;
}

/** The assistant message with the gateway's two extra fields (see thinking-blocks.ts). */
export type AssistantMessage = ChatCompletion.Choice['message'] & { reasoning_content?: string; thinking_blocks?: ThinkingBlock[] };

/** Anthropic Messages JSON -> OpenAI chat.completion (usage in OpenAI's convention). */
export function parseAnthropicResponse(body: unknown, ctx: ChatCallContext): { completion: ChatCompletion; usage: Usage | null } {
  const res = (body && typeof body === 'object' ? body : {}) as AnthropicResponse;
  const usage = normalizeAnthropicUsage(res.usage);
  const blocks = Array.isArray(res.content) ? res.content.filter((b): b is AnthropicResponseBlock => !!b && typeof b === 'object') : [];
  let text = '';
  let sawText = false;
  let reasoning = '';
  const thinking: ThinkingBlock[] = [];
  const toolCalls: NonNullable<AssistantMessage['tool_calls']> = [];
  for (const b of blocks) {
    if (b.type === 'text' && typeof b.text === 'string') {
      text += b.text;
      sawText = true;
    } else if (b.type === 'thinking' && typeof b.thinking === 'string') {
      reasoning += b.thinking;
      thinking.push({ type: 'thinking', thinking: b.thinking, signature: typeof b.signature === 'string' ? b.signature : '' });
    } else if (b.type === 'redacted_thinking' && typeof b.data === 'string') {
      thinking.push({ type: 'redacted_thinking', data: b.data });
    } else if (b.type === 'tool_use' && b.name === JSON_TOOL) {
      // response_format JSON: the forced tool's input is the answer.
      text += JSON.stringify(b.input ?? {});
      sawText = true;
    } else if (b.type === 'tool_use' && typeof b.name === 'string') {
      toolCalls.push({
        id: typeof b.id === 'string' ? b.id : `toolu_${crypto.randomUUID().replace(/-/g, '')}`,
        type: 'function',
        function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
      });
    }
    // Server tool blocks (web search and the like) have no chat form; they are not shown.
  }
  const message: AssistantMessage = { role: 'assistant', content: sawText ? text : toolCalls.length ? null : '', refusal: null };
  if (reasoning) message.reasoning_content = reasoning;
  if (thinking.length) message.thinking_blocks = thinking;
  if (toolCalls.length) message.tool_calls = toolCalls;
  const completion: ChatCompletion = {
    id: completionId(res.id),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: ctx.model,
    choices: [{ index: 0, message, finish_reason: mapStopReason(res.stop_reason, toolCalls.length > 0), logprobs: null, ...pausedTurn(res.stop_reason) }],
  };
  if (usage) completion.usage = toOpenAIUsage(usage);
  return { completion, usage };
}
