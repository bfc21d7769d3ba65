import type { ChatCompletion } from '../types';

/*
 * `parallel_tool_calls: false` promises a turn of one tool call at most (and /v1/messages'
 * `disable_parallel_tool_use`, /v1/responses' `parallel_tool_calls: false`, which the bridges send
 * on as it). OpenAI and Anthropic honour it, but Gemini's API has no such setting (its adapter
 * drops the field) and OpenAI-compatible servers such as Ollama may ignore it: the turn's first
 * call is kept, the way the model would have answered, and it makes the next call in a later turn
 * after that call's result. Applied to every answer of such a request (a no-op when the upstream
 * honoured it), so the chat API and the bridges built on it agree. The row still bills all the
 * calls the upstream made (its usage; the stream tally counts the calls left out).
 */

/** A whole answer: each choice's first tool call only. Returns whether one was left out. */
export function firstToolCallOnly(completion: ChatCompletion): boolean {
  let changed = false;
  for (const choice of completion.choices ?? []) {
    const calls = choice?.message?.tool_calls;
    if (Array.isArray(calls) && calls.length > 1) {
      choice.message.tool_calls = calls.slice(0, 1);
      changed = true;
    }
  }
  return changed;
}

/**
 * A stream chunk whose tool_calls deltas carry OpenAI's indexes (0 for a turn's first call, 1, …:
 * tool-call-index.ts numbers them for OpenAI-compatible upstreams): the deltas of later calls go,
 * in place, each handed to `dropped` (for the tally). Returns whether the chunk changed; a choice
 * left with nothing (see isEmptyChunk) is the caller's to drop.
 */
export function dropLaterToolCalls(chunk: any, dropped: (tc: any) => void = () => {}): boolean {
  let changed = false;
  for (const choice of chunk?.choices ?? []) {
    const delta = choice?.delta;
    if (!Array.isArray(delta?.tool_calls)) continue;
    const kept: unknown[] = [];
    for (const tc of delta.tool_calls) {
      if (typeof tc?.index === 'number' && tc.index > 0) dropped(tc);
      else kept.push(tc);
    }
    if (kept.length === delta.tool_calls.length) continue;
    changed = true;
    if (kept.length > 0) delta.tool_calls = kept;
    else delete delta.tool_calls;
  }
  return changed;
}

/** A chunk that carries nothing once later calls left it: no delta field with content, no finish, no usage. */
export function isEmptyChunk(chunk: any): boolean {
  if (chunk?.usage) return false;
  return (chunk?.choices ?? []).every(
    (c: any) => !c?.finish_reason && Object.entries(c?.delta ?? {}).every(([k, v]) => k === 'role' || v === null || v === ''),
  );
}
