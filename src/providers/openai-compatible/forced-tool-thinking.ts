import { badRequest } from '../../errors/api-error';
import type { UpstreamBody } from '../types';

/** A tool_choice that makes the model call a tool: `required`, a named function (or custom tool), `allowed_tools` in mode `required`. */
export function forcesTool(choice: unknown): boolean {
  if (choice === 'required') return true;
  if (!choice || typeof choice !== 'object') return false;
  const c = choice as { type?: unknown; allowed_tools?: { mode?: unknown } };
  return c.type === 'allowed_tools' ? c.allowed_tools?.mode === 'required' : true;
}

/**
 * DeepSeek's and Kimi's thinking modes refuse a forced tool call (tool_choice `required` or a named
 * function) with a 400 of their own, which is what LangChain's withStructuredOutput, agents' forced
 * steps and Anthropic's tool_choice `any`/`tool` on /v1/messages send. The forced call is what the
 * client is after, the thinking the part it can do without (as for Anthropic targets,
 * anthropic-request.ts): a model in thinking mode (`thinks`) that can be switched gets this one
 * request with `thinking: {type: "disabled"}` (its `reasoning_effort` dropped with it); one that
 * always thinks (`alwaysThinks`) is refused before the call as a parameter it cannot take, so a
 * group passes it on. `vendor` names the provider in that refusal.
 */
export function forcedToolWithoutThinking(body: UpstreamBody, thinks: boolean, alwaysThinks: boolean, vendor: string): void {
  if (!thinks || !forcesTool(body.tool_choice)) return;
  if (alwaysThinks) {
    throw badRequest(
      `A forced tool call (tool_choice 'required' or a named function) is not supported by '${String(body.model)}': it always thinks, and ${vendor}'s thinking mode takes tool_choice 'auto' or 'none' only.`,
      'tool_choice',
      'unsupported_parameter',
    );
  }
  body.thinking = { type: 'disabled' };
  delete body.reasoning_effort;
}
