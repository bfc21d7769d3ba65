import { blankArguments } from '../shared/tool-arguments';

/*
 * A tool call to a tool that takes no arguments: OpenAI answers it with `arguments: "{}"`, and
 * clients JSON.parse that text (the openai SDK's `runTools` and `parse` helpers, the AI SDK, which
 * fails with "Invalid JSON", LangChain, which files the call under invalid_tool_calls). Some
 * OpenAI-compatible servers answer `""` or leave it out: Ollama's OpenAI endpoint (as vLLM and LM
 * Studio; cheshire-cat-ai/core#1140, agno-agi/agno#10254), DeepSeek (xorbitsai/xagent#1503; in a
 * stream its first delta of a call carries `arguments: ""` and the text comes after, so a call
 * without arguments never gets any: jeremychone/rust-genai#127). Such a call reaches the client
 * with `"{}"`, by the rule /v1/messages reads it with (blankArguments). Arguments with text are
 * left exactly as sent, even when they are no JSON. A choice cut by the token limit (`length`) is
 * left alone: its calls' arguments are not complete.
 */

/** Whether a choice's tool calls are complete (it finished for another reason than the token limit). */
export const callsComplete = (finishReason: unknown): boolean => finishReason !== 'length';

/** A whole chat answer: each tool call whose arguments are blank gets `"{}"`, in place. Returns whether one did. */
export function fillBlankArguments(completion: any): boolean {
  let changed = false;
  for (const choice of completion.choices) {
    const calls = choice?.message?.tool_calls;
    if (!Array.isArray(calls) || !callsComplete(choice.finish_reason)) continue;
    for (const call of calls) {
      const fn = call?.function;
      if (fn && typeof fn === 'object' && blankArguments(fn.arguments)) (fn.arguments = '{}'), (changed = true);
    }
  }
  return changed;
}
