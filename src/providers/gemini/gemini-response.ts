import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { Usage } from '../../usage/types';
import { geminiOpenAIUsage, normalizeGeminiUsage } from '../../usage/gemini-usage';
import type { ChatCallContext } from '../types';
import { functionNameRestorer } from './gemini-function-name';
import { failedTurn, mapFinishReason } from './map-finish-reason';
import type { GeminiCandidate, GeminiPart, GeminiResponse } from './gemini-wire';
import { makeToolCallId } from './tool-call-id';
import { markTextRuns, type TextRun } from '../shared/text-runs';

/** OpenAI id for a completion: Gemini's responseId when it sent one. */
export function completionId(responseId: unknown): string {
  const tail = typeof responseId === 'string' && /^[A-Za-z0-9_-]+$/.test(responseId) ? responseId : crypto.randomUUID().replace(/-/g, '');
  return `chatcmpl-${tail}`;
}

/** Gemini generateContent JSON -> OpenAI chat.completion (usage in OpenAI's convention). */
export function parseGeminiResponse(body: unknown, ctx: ChatCallContext): { completion: ChatCompletion; usage: Usage | null } {
  const res = (body && typeof body === 'object' ? body : {}) as GeminiResponse;
  const usage = normalizeGeminiUsage(res.usageMetadata);
  const candidates = Array.isArray(res.candidates) ? res.candidates : [];
  for (const c of candidates) {
    // A turn that failed (a tool call the model could not make...) is a failed request, not an empty
    // answer; Google bills it all the same (its usageMetadata): the try's bill, as a stream's (ApiError.spent).
    const failed = c && typeof c === 'object' ? failedTurn(c.finishReason, c.finishMessage) : null;
    if (failed) {
      if (usage) failed.spent = { usage, text: '' };
      throw failed;
    }
  }
  const clientName = functionNameRestorer(ctx.tools);
  const choices: ChatCompletion.Choice[] = candidates
    .filter((c) => c && typeof c === 'object')
    .map((c, i) => toChoice(c, typeof c.index === 'number' ? c.index : i, clientName));
  if (choices.length === 0) {
    // The prompt itself was blocked (promptFeedback.blockReason): no candidate at all.
    choices.push({
      index: 0,
      message: { role: 'assistant', content: null, refusal: null },
      finish_reason: res.promptFeedback?.blockReason ? 'content_filter' : 'stop',
      logprobs: null,
    });
  }
  const completion: ChatCompletion = {
    id: completionId(res.responseId),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: ctx.model,
    choices,
  };
  if (usage) completion.usage = geminiOpenAIUsage(usage, res.usageMetadata);
  return { completion, usage };
}

/** A candidate's parts, skipping anything that is not an object (responses are read loosely). */
export function partsOf(c: GeminiCandidate): GeminiPart[] {
  const parts = c.content?.parts;
  return Array.isArray(parts) ? parts.filter((p): p is GeminiPart => !!p && typeof p === 'object') : [];
}

/**
 * A part that carries only a thoughtSignature (an empty text part). Gemini 3 sometimes sends a
 * function call's signature that way, in a part after the call instead of on it; it belongs to
 * the first call of the turn (the one Gemini validates), which then carries it as an inline one would.
 */
export function lateSignature(p: GeminiPart): string | undefined {
  if (p.functionCall || p.thought || (p.text !== undefined && p.text !== '')) return undefined;
  return typeof p.thoughtSignature === 'string' && p.thoughtSignature !== '' ? p.thoughtSignature : undefined;
}

function toChoice(c: GeminiCandidate, index: number, clientName: (name: string) => string): ChatCompletion.Choice {
  let text = '';
  let reasoning = '';
  let sawText = false;
  const toolCalls: NonNullable<ChatCompletion.Choice['message']['tool_calls']> = [];
  let signed = false;
  let firstCallId: unknown;
  let runs: TextRun[] | undefined;
  for (const p of partsOf(c)) {
    const late = lateSignature(p);
    if (late !== undefined) {
      // The signature of the calls before it (see lateSignature), unless one of them had its own.
      if (toolCalls.length && !signed) toolCalls[0]!.id = makeToolCallId(late, firstCallId);
      signed ||= toolCalls.length > 0;
    } else if (p.functionCall && typeof p.functionCall.name === 'string') {
      signed ||= typeof p.thoughtSignature === 'string' && p.thoughtSignature !== '';
      if (toolCalls.length === 0) firstCallId = p.functionCall.id;
      toolCalls.push({
        id: makeToolCallId(p.thoughtSignature, p.functionCall.id),
        type: 'function',
        function: { name: clientName(p.functionCall.name), arguments: JSON.stringify(p.functionCall.args ?? {}) },
      });
    } else if (typeof p.text === 'string') {
      if (p.thought) reasoning += p.text;
      else {
        // Text after a call: chat's content joins it (as the stream's deltas do), the runs keep its place (text-runs.ts).
        if (toolCalls.length && p.text !== '') runs = addRun(runs ?? (text ? [{ text, callsBefore: 0 }] : []), p.text, toolCalls.length);
        text += p.text;
        sawText = true;
      }
    }
  }
  const message: ChatCompletion.Choice['message'] & { reasoning_content?: string } = {
    role: 'assistant',
    content: sawText ? text : toolCalls.length ? null : '',
    refusal: null,
  };
  if (reasoning) message.reasoning_content = reasoning;
  if (toolCalls.length) message.tool_calls = toolCalls;
  if (runs) markTextRuns(message, runs);
  return { index, message, finish_reason: mapFinishReason(c.finishReason, toolCalls.length > 0), logprobs: null };
}

/** `text` written after `callsBefore` calls: onto the last run when no call came between, else a new run. */
function addRun(runs: TextRun[], text: string, callsBefore: number): TextRun[] {
  const last = runs[runs.length - 1];
  if (last && last.callsBefore === callsBefore) last.text += text;
  else runs.push({ text, callsBefore });
  return runs;
}
