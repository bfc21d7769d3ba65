import { parseToolArguments } from '../shared/tool-arguments';
import { badRequest } from '../../errors/api-error';
import { type ContentOptions, textBlocks, userBlocks, withMessageCache } from './anthropic-content';
import type { AnthropicBlock, AnthropicMessage, AnthropicRequest } from './anthropic-wire';
import { readThinkingBlocks } from './thinking-blocks';
import { toolUseId } from './tool-use-id';
import { shownValue } from '../../errors/shown-value';

type AnyMessage = Record<string, any>;

export interface ConvertedMessages {
  system?: NonNullable<AnthropicRequest['system']>;
  messages: AnthropicMessage[];
  /**
   * The turn Anthropic wants to start with its thinking when thinking is on lacks it: the last
   * assistant turn called tools without the thinking blocks that came with the calls, or the
   * conversation ends in an assistant turn (a prefill) that does not start with thinking.
   */
  lastTurnLacksThinking: boolean;
}

/**
 * OpenAI messages -> Anthropic `system` + `messages`. system/developer messages go to the
 * top-level system (Anthropic has one, wherever they stood). An assistant turn is its thinking
 * blocks (given back in `thinking_blocks`, signatures intact), its text, then its tool calls as
 * tool_use blocks. Tool results become tool_result blocks in a user turn; adjacent turns of one
 * role are merged, so the results of parallel calls travel in the single user turn Anthropic
 * wants, ahead of any text that follows them. A message's own `cache_control` goes on its last
 * block (withMessageCache).
 */
export async function convertMessages(input: unknown, opts: ContentOptions): Promise<ConvertedMessages> {
  if (!Array.isArray(input) || input.length === 0) throw badRequest('messages must be a non-empty array.', 'messages');
  const system: NonNullable<AnthropicRequest['system']> = [];
  const messages: AnthropicMessage[] = [];
  let lastTurnLacksThinking = false;
  const push = (role: 'user' | 'assistant', blocks: AnthropicBlock[]) => {
    if (blocks.length === 0) return;
    const last = messages[messages.length - 1];
    if (!last || last.role !== role) return void messages.push({ role, content: blocks });
    // Two assistant messages in a row become one turn; Anthropic wants its thinking in front.
    const isThinking = (b: AnthropicBlock) => b.type === 'thinking' || b.type === 'redacted_thinking';
    const thinking = blocks.filter(isThinking);
    if (thinking.length) {
      const at = last.content.findIndex((b) => !isThinking(b));
      last.content.splice(at < 0 ? last.content.length : at, 0, ...thinking);
    }
    last.content.push(...(thinking.length ? blocks.filter((b) => !isThinking(b)) : blocks));
  };

  for (let i = 0; i < input.length; i++) {
    const m = input[i] as AnyMessage;
    const path = `messages[${i}]`;
    switch (m?.role) {
      case 'system':
      case 'developer':
        for (const b of withMessageCache(textBlocks(m.content, `${path}.content`), m)) if (b.type === 'text') system.push(b);
        break;
      case 'user':
        push('user', withMessageCache(await userBlocks(m.content, `${path}.content`, opts), m));
        break;
      case 'assistant': {
        const thinking = readThinkingBlocks(m.thinking_blocks, `${path}.thinking_blocks`);
        const calls = toolUseBlocks(m, path);
        lastTurnLacksThinking = calls.length > 0 && thinking.length === 0;
        push('assistant', withMessageCache([...thinking, ...textBlocks(m.content, `${path}.content`), ...calls], m));
        break;
      }
      case 'tool': {
        if (typeof m.tool_call_id !== 'string' || !m.tool_call_id) throw badRequest('A tool message needs a tool_call_id.', `${path}.tool_call_id`);
        const content = textBlocks(m.content, `${path}.content`);
        push('user', withMessageCache([{ type: 'tool_result', tool_use_id: toolUseId(m.tool_call_id), content: content.length ? content : '' }], m));
        break;
      }
      case 'function':
        throw badRequest('Deprecated function messages carry no call id; use tool messages for Anthropic models.', `${path}.role`);
      default:
        throw badRequest(`Unknown message role '${shownValue(m?.role)}'.`, `${path}.role`);
    }
  }
  trimPrefill(messages);
  if (messages.length === 0) throw badRequest('messages must contain at least one user or assistant message.', 'messages');
  const prefill = messages[messages.length - 1]!;
  if (prefill.role === 'assistant' && prefill.content[0]?.type !== 'thinking' && prefill.content[0]?.type !== 'redacted_thinking') lastTurnLacksThinking = true;
  return { system: system.length ? system : undefined, messages, lastTurnLacksThinking };
}

/**
 * A final assistant turn is a prefill the answer continues; Anthropic refuses one whose text ends
 * in whitespace ("final assistant content cannot end with trailing whitespace"), so that text goes
 * out trimmed at its end, as LiteLLM does. A text block the trim empties is dropped (Anthropic
 * refuses empty text too), and the turn with it when nothing is left.
 */
function trimPrefill(messages: AnthropicMessage[]): void {
  const last = messages[messages.length - 1];
  if (last?.role !== 'assistant') return;
  let end = last.content[last.content.length - 1];
  while (end?.type === 'text' && /\s$/.test(end.text)) {
    const text = end.text.trimEnd();
    if (text) {
      last.content[last.content.length - 1] = { ...end, text };
      return;
    }
    last.content.pop();
    end = last.content[last.content.length - 1];
  }
  if (last.content.length === 0) messages.pop();
}

function toolUseBlocks(m: AnyMessage, path: string): AnthropicBlock[] {
  const calls: unknown[] = Array.isArray(m.tool_calls) ? m.tool_calls : [];
  return calls.map((c: any, k) => {
    const cpath = `${path}.tool_calls[${k}]`;
    if (c?.type === 'custom') throw badRequest('Anthropic models take function tool calls only.', `${cpath}.type`);
    const name = c?.function?.name;
    if (typeof name !== 'string' || name === '') throw badRequest('A tool call needs a function name.', `${cpath}.function.name`);
    if (typeof c.id !== 'string' || !c.id) throw badRequest('A tool call needs an id.', `${cpath}.id`);
    return { type: 'tool_use', id: toolUseId(c.id), name, input: parseToolArguments(c.function.arguments, `${cpath}.function.arguments`) };
  });
}

