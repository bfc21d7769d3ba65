import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { isRetryableStatus, UpstreamError } from '../../errors/api-error';
import { eventTransformer, type EventTranslator, type SendEvent } from '../shared/sse-event-stream';
import { tallyText } from '../shared/tally-text';
import { geminiOpenAIUsage, normalizeGeminiUsage } from '../../usage/gemini-usage';
import type { ChatCallContext, StreamTally } from '../types';
import { completionId, lateSignature, partsOf } from './gemini-response';
import { geminiErrorMessage, geminiErrorStatus, googleRetryDelay } from './gemini-error';
import { functionNameRestorer } from './gemini-function-name';
import { failedTurn, mapFinishReason } from './map-finish-reason';
import type { GeminiPart, GeminiResponse } from './gemini-wire';
import { makeToolCallId } from './tool-call-id';
import { dropLaterToolCalls, isEmptyChunk } from '../shared/one-tool-call';

type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };
interface CandidateState {
  started: boolean;
  toolCalls: number;
  finished: boolean;
  /** Calls read but not yet sent: none of the turn's calls had a signature yet, and it may come in a later part (lateSignature). */
  held: { name: string; args: string; signature?: string; callId?: unknown }[];
  /** A call of this turn carried its signature. */
  signed: boolean;
}

/**
 * Gemini `streamGenerateContent?alt=sse` bytes -> OpenAI `chat.completion.chunk` SSE bytes, over
 * the parsed events (eventTransformer). Each Gemini event is translated as it arrives (nothing
 * is held back). Gemini sends function calls whole, so each becomes one tool_calls delta with
 * its full arguments. usageMetadata is a running total: only the last one counts. Gemini ends
 * its stream without a terminator; the gateway writes its own `data: [DONE]`. An error event
 * (or a cut stream, or an event that is not JSON) is thrown as an UpstreamError, as the
 * OpenAI-compatible adapters do: before the first byte it is a plain HTTP error (and a fallback),
 * after it the relay ends the client's stream with OpenAI's error chunk and [DONE], and the row
 * and the circuit breaker record the failure.
 */
export function geminiChatStream(ctx: ChatCallContext, tally: StreamTally): Transformer<Uint8Array, Uint8Array> {
  return eventTransformer(tally, (send) => geminiTranslator(ctx, tally, send));
}

/** Some candidate got its finishReason (a plain loop: it runs on every event that carries usage). */
function anyFinished(candidates: ReadonlyMap<number, CandidateState>): boolean {
  for (const s of candidates.values()) if (s.finished) return true;
  return false;
}

/** One Gemini stream's translator: each parsed Gemini event -> the OpenAI chunks it makes. */
function geminiTranslator(ctx: ChatCallContext, tally: StreamTally, send: SendEvent): EventTranslator {
  const created = Math.floor(Date.now() / 1000);
  const candidates = new Map<number, CandidateState>();
  let id: string | null = null;
  let lastUsage: unknown = null;
  /** Visible text or calls came that no usageMetadata's candidatesTokenCount has counted yet. */
  let uncounted = false;
  let stopped = false;
  const clientName = functionNameRestorer(ctx.tools);

  const emit = (index: number, delta: Delta, finish: ChatCompletionChunk.Choice['finish_reason'] = null) => {
    const chunk: ChatCompletionChunk = {
      id: id!,
      object: 'chat.completion.chunk',
      created,
      model: ctx.model,
      choices: [{ index, delta, logprobs: null, finish_reason: finish }],
    };
    // Gemini has no parallel_tool_calls switch: calls past the first the client forbade are not sent (one-tool-call.ts).
    if (ctx.oneToolCall && dropLaterToolCalls(chunk) && isEmptyChunk(chunk)) return;
    send(JSON.stringify(chunk));
  };
  /** Ends the translation: `status` is the HTTP status Gemini's error names (null: a broken stream). */
  const fail = (message: string, status: number | null = null, retryAfter: string | null = null): never => {
    stopped = true;
    tally.finishReason = 'error';
    // A 4xx Gemini names keeps its status (a 429 cools the key when nothing was sent yet); anything else is a 502.
    // A 429 is a rate limit, with its RetryInfo wait, as the same error answered with HTTP 429 is (upstream-errors.ts).
    const limited = status === 429;
    const headers: Record<string, string> = limited && retryAfter ? { 'retry-after': retryAfter } : {};
    // A 401 or 403 is Google refusing the gateway's key: the client is told 502, as over HTTP (upstream-errors.ts).
    const refusedKey = status === 401 || status === 403;
    throw new UpstreamError('gemini', status, `Gemini: ${message}`, status === null || isRetryableStatus(status), refusedKey ? 502 : undefined, limited ? 'rate_limit_exceeded' : undefined, headers);
  };
  const state = (index: number) => {
    let s = candidates.get(index);
    if (!s) candidates.set(index, (s = { started: false, toolCalls: 0, finished: false, held: [], signed: false }));
    return s;
  };
  // The first delta of each choice carries the role, as OpenAI's does.
  const withRole = (s: CandidateState, delta: Delta): Delta => {
    if (s.started) return delta;
    s.started = true;
    return { role: 'assistant', ...delta };
  };

  const sendCall = (index: number, s: CandidateState, c: CandidateState['held'][number]) => {
    const call = { index: s.toolCalls++, id: makeToolCallId(c.signature, c.callId), type: 'function' as const, function: { name: c.name, arguments: c.args } };
    emit(index, withRole(s, { tool_calls: [call] }));
  };
  /** Sends the calls held back for a signature that did not come (or came: `late`, onto the first). */
  const release = (index: number, s: CandidateState, late?: string) => {
    if (s.held.length === 0) return;
    const held = s.held;
    s.held = [];
    if (late !== undefined) {
      held[0]!.signature = late;
      s.signed = true;
    }
    for (const c of held) sendCall(index, s, c);
  };

  const onPart = (index: number, s: CandidateState, p: GeminiPart) => {
    const late = lateSignature(p);
    // A text part with only a thoughtSignature carries nothing to show; after calls without one, it is theirs.
    if (late !== undefined) return release(index, s, s.signed ? undefined : late);
    if (p.functionCall && typeof p.functionCall.name === 'string') {
      const args = JSON.stringify(p.functionCall.args ?? {});
      const name = clientName(p.functionCall.name);
      tallyText(tally, name + args);
      uncounted = true;
      const call = { name, args, signature: p.thoughtSignature, callId: p.functionCall.id };
      if (typeof p.thoughtSignature === 'string' && p.thoughtSignature !== '') {
        release(index, s);
        s.signed = true;
        sendCall(index, s, call);
      } else if (s.signed) sendCall(index, s, call);
      // The turn's calls have no signature yet: Gemini 3 may send it in a later part (lateSignature), and the id the client gets must carry it.
      else s.held.push(call);
    } else if (typeof p.text === 'string' && p.text !== '') {
      release(index, s);
      tallyText(tally, p.text);
      if (!p.thought) uncounted = true;
      emit(index, withRole(s, p.thought ? { reasoning_content: p.text } : { content: p.text }));
    }
  };

  const onEvent = (data: string) => {
    if (stopped || data.trim() === '' || data.trim() === '[DONE]') return;
    let res: GeminiResponse;
    try {
      res = JSON.parse(data);
    } catch {
      return fail('the upstream sent an event that is not JSON.');
    }
    // The streaming endpoint may wrap an error in an array.
    if (Array.isArray(res)) res = res[0];
    if (!res || typeof res !== 'object') return fail('the upstream sent an event that is not a response object.');
    if (res.error) return fail(geminiErrorMessage(res), geminiErrorStatus(res), googleRetryDelay(res.error));
    if (res.usageMetadata) {
      lastUsage = res.usageMetadata;
      tally.usage = normalizeGeminiUsage(lastUsage);
    }
    id ??= completionId(res.responseId);
    const list = Array.isArray(res.candidates) ? res.candidates : [];
    list.forEach((c, i) => {
      if (!c || typeof c !== 'object') return;
      const index = typeof c.index === 'number' ? c.index : i;
      const s = state(index);
      const failed = failedTurn(c.finishReason, c.finishMessage);
      if (failed) {
        // Before the first byte a plain retryable error (a group falls back), after it the error chunk.
        stopped = true;
        tally.finishReason = 'error';
        throw failed;
      }
      for (const p of partsOf(c)) onPart(index, s, p);
      if (c.finishReason && !s.finished) {
        release(index, s);
        s.finished = true;
        const finish = mapFinishReason(c.finishReason, s.toolCalls > 0);
        if (index === 0 || tally.finishReason === null) tally.finishReason = finish;
        emit(index, withRole(s, {}), finish);
      }
    });
    if (list.length === 0 && res.promptFeedback?.blockReason && !state(0).finished) {
      // The prompt was blocked: no candidate will come.
      state(0).finished = true;
      tally.finishReason = 'content_filter';
      emit(0, withRole(state(0), {}), 'content_filter');
    }
    // usageMetadata is a running total of what Gemini sent up to its chunk: the prompt's counts
    // (cache included) final, thoughtsTokenCount the thoughts so far, candidatesTokenCount the
    // visible text so far. A stream cut before the finishing chunk bills that last total, marked
    // estimated (the final count never came); only when visible text came that no
    // candidatesTokenCount counted (absent: the thoughts' chunks carry none) is the output the
    // delivered text's count (request-outcome.ts), as Anthropic's. Thought summaries are never
    // counted again: thoughtsTokenCount has them.
    if (typeof res.usageMetadata?.candidatesTokenCount === 'number' && res.usageMetadata.candidatesTokenCount > 0) uncounted = false;
    if (tally.usage) {
      const finished = anyFinished(candidates);
      tally.outputPending = uncounted && !finished;
      if (!finished) tally.usage.estimated = true;
      // Finished on an event without usageMetadata: the last total is final after all.
      else if (tally.usage.estimated) tally.usage = normalizeGeminiUsage(lastUsage);
    }
  };
  return {
    event: (e) => onEvent(e.data),
    end() {
      // Calls still held (a stream that ended without its finishing event) go out as they are.
      if (!stopped) for (const [index, s] of candidates) release(index, s);
      if (!stopped && !anyFinished(candidates)) {
        fail('the stream ended before the response was complete.');
      }
      if (!stopped && ctx.clientWantsUsage) {
        const usage = normalizeGeminiUsage(lastUsage);
        if (usage) {
          const chunk: ChatCompletionChunk = { id: id!, object: 'chat.completion.chunk', created, model: ctx.model, choices: [], usage: geminiOpenAIUsage(usage, lastUsage) };
          send(JSON.stringify(chunk));
        } else if (tally.usage === null) tally.usageOwed = { id: id!, created, model: ctx.model };
      }
    },
  };
}
