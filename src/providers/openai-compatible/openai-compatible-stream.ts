import { UpstreamError } from '../../errors/api-error';
import type { Usage } from '../../usage/types';
import { answerUsage, billExtrasOf } from './answer-usage';
import { eventTransformer } from '../shared/sse-event-stream';
import { tallyText } from '../shared/tally-text';
import type { ChatCallContext, StreamTally } from '../types';
import { fillChunkShape } from './openai-shape';
import { plainDeltaText } from './plain-delta';
import { isOpenAIUsage, withOpenAIUsage } from './with-openai-usage';
import type { OpenAICompatibleOptions } from './openai-compatible-options';
import { unfinishedAnswer, unfinishedReason } from './unfinished-answer';
import { errorChunkStatus, errorWords } from '../shared/error-in-answer';
import { ToolCallIndexer } from './tool-call-index';
import { StreamFinish } from './stream-finish';
import { dropLaterToolCalls, isEmptyChunk } from '../shared/one-tool-call';

/** What one upstream chunk becomes (see openAIChunk). */
interface ChunkOut {
  /** The chunk to send, or null when it is dropped (a usage-only chunk the client did not ask for). */
  chunk: any | null;
  /** Whether `chunk` differs from what the upstream sent (else the upstream's own text is sent). */
  changed: boolean;
  /** OpenAI's usage-only chunk, sent right after `chunk` (usage came on a chunk with choices). */
  usageChunk: Record<string, unknown> | null;
  /** The chunk's usage in canonical form, when it carried one. */
  usage: Usage | null;
}

/**
 * One parsed OpenAI-compatible chunk -> OpenAI's chunk shape, in place: the provider's quirk
 * hook, the required fields an upstream left out, tool calls numbered as OpenAI numbers them
 * (one ToolCallIndexer per stream), usage in OpenAI's convention. The gateway
 * always asks upstream for usage; when the client did not, it is taken off (and a usage-only
 * chunk dropped, unless it carries xAI's `citations`: then it goes on with `choices: []` and no usage). Usage on a chunk that also carries choices (Moonshot's last chunk, DeepSeek's)
 * goes out as a chunk of its own with `choices: []`, as OpenAI sends it and SDKs read it.
 */
function openAIChunk(
  chunk: any,
  quirk: ((chunk: any) => boolean) | undefined,
  usageOf: (chunk: any) => Usage | null,
  clientWantsUsage: boolean,
  model: string,
  toolCalls: ToolCallIndexer,
): ChunkOut {
  let changed = quirk?.(chunk) ?? false;
  if (fillChunkShape(chunk, model)) changed = true;
  if (toolCalls.index(chunk)) changed = true;
  if (!chunk.usage) return { chunk, changed, usageChunk: null, usage: null };
  const usage = usageOf(chunk);
  const usageOnly = chunk.choices.length === 0;
  // Usage whose counts are nonsense (a count sent as a string, a negative one) is not passed on:
  // SDKs refuse the chunk that carries it. The row bills the estimate (usage/normalize-usage.ts).
  if (!clientWantsUsage || usage === null) {
    // xAI's search citations come on its usage-only chunk: that chunk goes on without the usage.
    if (usageOnly && chunk.citations === undefined) return { chunk: null, changed, usageChunk: null, usage };
    delete chunk.usage;
    return { chunk, changed: true, usageChunk: null, usage };
  }
  if (usage && !isOpenAIUsage(chunk.usage, usage)) {
    chunk.usage = withOpenAIUsage(chunk.usage, usage);
    changed = true;
  }
  if (usageOnly) return { chunk, changed, usageChunk: null, usage };
  const usageChunk = usageOnlyChunk(chunk);
  delete chunk.usage;
  return { chunk, changed: true, usageChunk, usage };
}

/** Adds the text a chunk delivers (content, reasoning, a refusal, tool calls) and its finish reason to the tally. */
function tallyChunk(tally: StreamTally, chunk: any): void {
  for (const choice of chunk.choices) {
    const delta = choice?.delta;
    if (delta) {
      if (typeof delta.content === 'string') tallyText(tally, delta.content);
      if (typeof delta.reasoning_content === 'string') tallyText(tally, delta.reasoning_content);
      if (typeof delta.refusal === 'string') tallyText(tally, delta.refusal);
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) tallyCall(tally, call);
    }
    if (choice?.finish_reason) tally.finishReason = choice.finish_reason;
  }
}

/**
 * Upstream OpenAI-compatible SSE -> OpenAI chat.completion.chunk SSE, event by event: each
 * event is parsed and put through openAIChunk. A chunk that came out unchanged is sent as the
 * upstream's own `data` text rather than re-encoded (most content deltas; the saving is in
 * BENCHMARKS.md, "Stream adapters over parsed events"). Junk lines are dropped; an error chunk
 * fails the stream. The gateway writes its own `[DONE]`; a stream that ends without one (and
 * without a finish reason) was cut, and fails so the proxy can send an error event. One that said
 * `[DONE]` without ever giving a finish reason gets OpenAI's closing chunk (stream-finish.ts).
 */
export function openAICompatibleStream(
  opts: OpenAICompatibleOptions,
  convertUsage: (raw: any) => Usage | null,
  ctx: ChatCallContext,
  tally: StreamTally,
): Transformer<Uint8Array, Uint8Array> {
  const quirk = opts.streamChunkHook?.(ctx, tally) ?? opts.transformChunk;
  let sawDone = false;
  let sawChunk = false;
  // The usage chunk the client gets, held to the end: some upstreams repeat usage (xAI has sent
  // running totals on every chunk, then a usage-only chunk), and clients that add up the usage of
  // each chunk (LangChain) would count it several times. OpenAI sends one, last; so does the gateway.
  let heldUsage: string | null = null;
  const toolCalls = new ToolCallIndexer();
  const finish = new StreamFinish();
  const usageOf = (chunk: any) => answerUsage(opts, convertUsage, chunk, ctx.model);
  return eventTransformer(tally, (send) => {
    /** Sends a chunk with choices (its text when it came unchanged), tallied and noted for the closing chunk. */
    const sendChunk = (chunk: any, text = JSON.stringify(chunk)) => {
      tallyChunk(tally, chunk);
      finish.chunk(chunk, text);
      send(text);
    };
    return {
      event({ data }) {
        if (sawDone) return;
        if (data === '[DONE]') {
          sawDone = true; // the gateway writes its own
          return;
        }
        if (!sawChunk) {
          sawChunk = true;
          tally.billExtras = billExtrasOf(opts, data, ctx.model);
        }
        // Most of OpenAI's chunks: a plain text delta, already in OpenAI's shape, sent as it came unparsed.
        if (!quirk) {
          const text = plainDeltaText(data);
          if (text !== undefined) {
            tallyText(tally, text);
            finish.plain(data);
            send(data);
            return;
          }
        }
        let parsed: any;
        try {
          parsed = JSON.parse(data);
        } catch {
          return; // junk lines are not chunks
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return;
        if (parsed.error) {
          const status = errorChunkStatus(parsed);
          const message = `${opts.id} stream failed: ${errorWords(parsed.error, 'stream error')}`;
          // A 401 or 403 is the provider refusing the gateway's key: the client is told 502, as for the
          // same status over HTTP (upstream-errors.ts), never its own key refused.
          const refusedKey = status === 401 || status === 403;
          throw new UpstreamError(opts.id, status, message, true, refusedKey ? 502 : undefined, status === 429 ? 'rate_limit_exceeded' : undefined);
        }
        const out = openAIChunk(parsed, quirk, usageOf, ctx.clientWantsUsage, ctx.model, toolCalls);
        // Calls past the first the client forbade (one-tool-call.ts): counted, not sent.
        if (ctx.oneToolCall && out.chunk && dropLaterToolCalls(out.chunk, (tc) => tallyCall(tally, tc))) {
          out.changed = true;
          if (isEmptyChunk(out.chunk)) out.chunk = null;
        }
        if (out.usage) tally.usage = out.usage;
        const unfinished = unfinishedReason(opts, out.chunk?.choices);
        if (unfinished) {
          // The provider gave up (its usage, on this chunk, is kept): the text of the chunk goes out
          // without the foreign finish reason, then the stream fails.
          for (const c of out.chunk.choices) c.finish_reason = null;
          tallyChunk(tally, out.chunk);
          if (out.chunk.choices.some((c: any) => hasDelta(c?.delta))) send(JSON.stringify(out.chunk));
          throw unfinishedAnswer(opts, unfinished);
        }
        if (out.chunk) {
          // Calls that finish here without argument text get OpenAI's "{}" first (blank-tool-arguments.ts).
          if (toolCalls.blank > 0) {
            const fix = toolCalls.closeBlank(out.chunk, !!ctx.oneToolCall);
            if (fix.changed) out.changed = true;
            if (fix.before) sendChunk(fix.before);
          }
          // A data field that came over several lines is re-encoded (one `data:` line per event).
          const text = out.changed || data.includes('\n') ? JSON.stringify(out.chunk) : data;
          if (out.chunk.choices.length === 0 && out.chunk.usage) heldUsage = text;
          else sendChunk(out.chunk, text);
        }
        if (out.usageChunk) heldUsage = JSON.stringify(out.usageChunk);
      },
      end() {
        if (!sawDone && !tally.finishReason) {
          throw new UpstreamError(opts.id, null, `${opts.id} stream ended before it finished`, true);
        }
        // `[DONE]` with no chunk before it (or only junk lines): no answer at all, and nothing reached the
        // client yet, so it fails as a stream that closed empty does (a group's next target is tried).
        if (!finish.sent && heldUsage === null) throw new UpstreamError(opts.id, null, `${opts.id} stream ended before its first chunk`, true);
        // It said [DONE] without saying why: the finish reason every client expects, before the usage.
        const closing = finish.closing();
        if (closing) {
          tally.finishReason ??= closing.reason;
          const fix = toolCalls.blank > 0 ? toolCalls.closeBlank(closing.chunk, !!ctx.oneToolCall) : null;
          if (fix?.before) sendChunk(fix.before);
          send(JSON.stringify(closing.chunk));
        }
        if (heldUsage !== null) send(heldUsage);
        // None came (an upstream that ignores include_usage, or nonsense counts): the relay sends the estimate.
        else if (ctx.clientWantsUsage && tally.usage === null) tally.usageOwed = finish.envelope() ?? undefined;
      },
    };
  });
}

/** Adds a tool_calls delta's name and arguments to the tally. */
function tallyCall(tally: StreamTally, call: any): void {
  const fn = call?.function;
  if (typeof fn?.name === 'string') tallyText(tally, fn.name);
  if (typeof fn?.arguments === 'string') tallyText(tally, fn.arguments);
}

/** Whether a delta carries anything to show (text, reasoning, tool calls). */
function hasDelta(delta: any): boolean {
  return !!delta && ((typeof delta.content === 'string' && delta.content !== '') || (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') || (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0));
}

/** OpenAI's last stream chunk: the chunk's id, created, model (and fingerprint), no choices, the usage. */
function usageOnlyChunk(chunk: any): Record<string, unknown> {
  const out: Record<string, unknown> = { id: chunk.id, object: 'chat.completion.chunk', created: chunk.created, model: chunk.model };
  if (chunk.system_fingerprint !== undefined) out.system_fingerprint = chunk.system_fingerprint;
  out.choices = [];
  out.usage = chunk.usage;
  return out;
}
