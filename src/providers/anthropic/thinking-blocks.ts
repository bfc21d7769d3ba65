import { badRequest } from '../../errors/api-error';
import type { AnthropicBlock } from './anthropic-wire';

/**
 * Thinking blocks travel through OpenAI's chat format in an extra field of the assistant
 * message, `thinking_blocks` (LiteLLM's name for it): Anthropic's own blocks, signatures intact,
 * `[{type:"thinking", thinking, signature}]` or `[{type:"redacted_thinking", data}]`. The gateway
 * emits it on every answer with thinking (a stream sends a run of blocks whole, together, once
 * the turn moves on, as `delta.thinking_blocks`), and a client gives it back on that assistant message next turn:
 * Anthropic verifies the signatures, and wants them in front of the tool_use blocks they led to.
 */
export type ThinkingBlock = Extract<AnthropicBlock, { type: 'thinking' } | { type: 'redacted_thinking' }>;

export function readThinkingBlocks(raw: unknown, path: string): ThinkingBlock[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badRequest('thinking_blocks must be an array.', path);
  const out: ThinkingBlock[] = [];
  raw.forEach((b: any, j) => {
    if (b?.type === 'thinking' && typeof b.thinking === 'string' && typeof b.signature === 'string') {
      // A block without its signature cannot be verified; Anthropic would refuse the request.
      if (b.signature) out.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
    } else if (b?.type === 'redacted_thinking' && typeof b.data === 'string') {
      out.push({ type: 'redacted_thinking', data: b.data });
    } else {
      throw badRequest("A thinking block is {type:'thinking', thinking, signature} or {type:'redacted_thinking', data}.", `${path}[${j}]`);
    }
  });
  return out;
}
