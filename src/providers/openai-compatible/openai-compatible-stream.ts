import { UpstreamError } from '../../errors/api-error';
import type { Usage } from '../../usage/types';
import { DeliveredSample } from '../shared/delivered-sample';
import { SSE_DONE, SseParser } from '../shared/sse-parser';
import type { ChatCallContext, StreamTally } from '../types';
import { KeyScanner, NeedleScanner, notNull, type Needle } from './chunk-needles';
import { fillChunkShape } from './openai-shape';
import { SseOutput } from './sse-output';
import { isOpenAIUsage, withOpenAIUsage } from './with-openai-usage';
import type { OpenAICompatibleOptions } from './openai-compatible-options';


/** Appends the text one relayed chunk delivered (content, reasoning, tool calls): read lazily. */
export function chunkText(payload: string, add: (text: string) => void): void {
  let chunk: any;
  try {
    chunk = JSON.parse(payload);
  } catch {
    return;
  }
  const choices = chunk?.choices;
  if (!Array.isArray(choices)) return;
  for (const choice of choices) {
    const delta = choice?.delta;
    if (!delta) continue;
    if (typeof delta.content === 'string') add(delta.content);
    if (typeof delta.reasoning_content === 'string') add(delta.reasoning_content);
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) {
        const fn = call?.function;
        if (typeof fn?.name === 'string') add(fn.name);
        if (typeof fn?.arguments === 'string') add(fn.arguments);
      }
    }
  }
}

/**
 * JSON keys that make a chunk worth parsing: usage, an error, a finish reason. A string value
 * cannot hold them unescaped (its quotes are), so there are no misses; a rare false hit only
 * costs a parse.
 */
const NEEDLES: Needle[] = [{ key: '"usage"' }, { key: '"error"' }, { key: '"finish_reason"', hit: notNull }];
const needlesByProvider = new WeakMap<OpenAICompatibleOptions, Needle[]>();

/** NEEDLES plus the provider's quirk keys, built once per adapter. */
function needlesOf(opts: OpenAICompatibleOptions): Needle[] {
  let n = needlesByProvider.get(opts);
  if (!n) needlesByProvider.set(opts, (n = [...NEEDLES, ...(opts.transformChunkWhen ?? []).map((k) => (typeof k === 'string' ? { key: k } : k))]));
  return n;
}

/**
 * Upstream SSE -> client SSE, as a Transformer (the proxy may call it inline, without a
 * TransformStream). Only chunks that may carry usage, an error, a finish reason or a quirk are
 * parsed; the rest go on as the upstream wrote them, and a network chunk made only of such
 * events (cut at event boundaries, the usual case) is relayed as the very same bytes. The
 * gateway always asks upstream for usage; when the client did not, the usage-only chunk is
 * dropped. The gateway writes its own `[DONE]`; a stream that ends without one (and without a
 * finish reason) was cut, and errors so the proxy can send an error event.
 */
export function openAICompatibleTransformer(
  opts: OpenAICompatibleOptions,
  convertUsage: (raw: any) => Usage | null,
  ctx: ChatCallContext,
  tally: StreamTally,
): Transformer<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const sample = new DeliveredSample(chunkText);
  sample.install(tally);
  const transformChunk = opts.streamChunkHook?.(ctx) ?? opts.transformChunk;
  // A quirk hook that names no needles needs every chunk parsed.
  const parseAll = !!transformChunk && !opts.transformChunkWhen;
  const needles = needlesOf(opts);
  const chunkScan = new NeedleScanner(needles);
  const dataScan = new NeedleScanner(needles);
  const chunkFinish = new KeyScanner('"finish_reason"');
  const dataFinish = new KeyScanner('"finish_reason"');
  /**
   * Whether the event in text[start, end) must be parsed: it may carry usage, an error, a finish
   * reason or a quirk, it lacks the `finish_reason` key every choice of a chunk must have (xAI
   * leaves it out), or it does not look like a JSON object (junk is dropped after a failed parse).
   * Everything else (content deltas, almost every chunk) is relayed as the upstream's text.
   */
  const mustParse = (text: string, start: number, end: number, scan: NeedleScanner, finish: KeyScanner) =>
    text.charCodeAt(start) !== 123 /* { */ ||
    text.charCodeAt(end - 1) !== 125 /* } */ ||
    parseAll ||
    scan.any(start, end) ||
    !finish.has(start, end);
  /** What the current input chunk sends on. */
  const out = new SseOutput();
  let sawDone = false;
  /** Text of an event not yet complete at the end of the last chunk. */
  let carry = '';
  // CR line endings, comments and multi-line events go through the full SSE parser (re-framed
  // as plain `data:` events); after the first CR the whole rest of the stream does.
  let crlf = false;
  const parser = new SseParser((e) => {
    dataScan.reset(e.data);
    dataFinish.reset(e.data);
    const sent = onData(e.data, mustParse(e.data, 0, e.data.length, dataScan, dataFinish));
    if (sent !== null) out.data(sent);
    sendUsageChunk();
  });
  function sendUsageChunk(): boolean {
    if (usageChunk === null) return false;
    out.data(usageChunk);
    usageChunk = null;
    return true;
  }
  /** Where the current chunk's text starts in its bytes, or -1 when positions do not map to bytes. */
  let byteBase = -1;

  /** A usage-only chunk split off the event onData just handled, to send right after it. */
  let usageChunk: string | null = null;

  /** One event's data -> what is sent for it (the same string when unchanged), null when dropped. */
  function onData(data: string, parse: boolean): string | null {
    if (sawDone) return null;
    if (data === '[DONE]') {
      sawDone = true; // the gateway writes its own
      return null;
    }
    if (!parse) {
      sample.add(data);
      return data;
    }
    let chunk: any;
    try {
      chunk = JSON.parse(data);
    } catch {
      return null; // junk lines are not chunks
    }
    if (chunk === null || typeof chunk !== 'object') return null;
    if (chunk.error) {
      const msg = typeof chunk.error.message === 'string' ? chunk.error.message : 'stream error';
      throw new UpstreamError(opts.id, null, `${opts.id} stream failed: ${msg}`, true);
    }
    let changed = transformChunk?.(chunk) ?? false;
    // xAI's content chunks lack only `finish_reason`: then the key is written into the upstream's
    // text instead of re-encoding the chunk (see finishReasonAt).
    let insertAt = changed ? -1 : finishReasonAt(chunk, data);
    if (fillChunkShape(chunk)) changed = true;
    if (chunk.usage) {
      insertAt = -1;
      const usage = convertUsage(chunk.usage);
      if (usage) tally.usage = usage;
      const usageOnly = chunk.choices.length === 0;
      if (!ctx.clientWantsUsage) {
        if (usageOnly) return null;
        delete chunk.usage;
        changed = true;
      } else {
        if (usage && !isOpenAIUsage(chunk.usage, usage)) {
          chunk.usage = withOpenAIUsage(chunk.usage, usage);
          changed = true;
        }
        if (!usageOnly) {
          // Usage on a chunk that also carries choices (Moonshot's last chunk, DeepSeek's):
          // OpenAI sends it as a chunk of its own with `choices: []`, which is what SDKs read.
          usageChunk = JSON.stringify(usageOnlyChunk(chunk));
          delete chunk.usage;
          changed = true;
        }
      }
    }
    if (Array.isArray(chunk.choices)) {
      for (const choice of chunk.choices) if (choice?.finish_reason) tally.finishReason = choice.finish_reason;
    }
    const sent = !changed ? data : insertAt >= 0 ? `${data.slice(0, insertAt)}"finish_reason":null,${data.slice(insertAt)}` : JSON.stringify(chunk);
    sample.add(sent);
    return sent;
  }

  /** The event in text[pos, end) (its blank line follows); true when it goes out unchanged. */
  function block(text: string, pos: number, end: number): boolean {
    if (end > pos && text.indexOf('\n', pos) === end && text.startsWith('data:', pos)) {
      const spaced = text.charCodeAt(pos + 5) === 32;
      const start = pos + (spaced ? 6 : 5);
      const data = text.slice(start, end);
      const sent = onData(data, mustParse(text, start, end, chunkScan, chunkFinish));
      if (sent === null) return false;
      const same = sent === data && spaced;
      if (same && byteBase >= 0 && pos >= byteBase) out.verbatim(pos - byteBase, end + 2 - byteBase);
      else out.data(sent);
      return !sendUsageChunk() && same;
    }
    parser.push(text.slice(pos, end + 2));
    return false;
  }

  function send(controller: TransformStreamDefaultController<Uint8Array>, same: Uint8Array | null): void {
    const chunk = out.take();
    if (!chunk) return;
    controller.enqueue(same ?? chunk);
    tally.firstByteAt ??= performance.now();
  }

  return {
    transform(bytes, controller) {
      try {
        const piece = decoder.decode(bytes, { stream: true });
        if (!crlf && piece.includes('\r')) crlf = true;
        // An all-ASCII piece (as many chars as bytes) has text positions that are byte offsets.
        byteBase = piece.length === bytes.byteLength ? carry.length : -1;
        out.startChunk(bytes);
        if (crlf) {
          parser.push(carry + piece);
          carry = '';
          return send(controller, null);
        }
        const text = carry.length ? carry + piece : piece;
        let same = carry.length === 0;
        let pos = 0;
        chunkScan.reset(text);
        chunkFinish.reset(text);
        for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n', pos)) {
          if (!block(text, pos, end)) same = false;
          pos = end + 2;
        }
        carry = pos === 0 ? text : text.slice(pos);
        if (carry.length) same = false;
        send(controller, same ? bytes : null);
      } catch (err) {
        // An error event can share a network read with good chunks: those go out before it fails.
        send(controller, null);
        throw err;
      }
    },
    flush(controller) {
      byteBase = -1;
      parser.push(carry + decoder.decode());
      carry = '';
      parser.end();
      send(controller, null);
      if (!sawDone && !tally.finishReason) {
        throw new UpstreamError(opts.id, null, `${opts.id} stream ended before it finished`, true);
      }
      controller.enqueue(SSE_DONE);
    },
  };
}

const CHOICES_OPEN = '"choices":[{';

/**
 * Where `"finish_reason":null,` can be written into the chunk's own text when that key is all it
 * lacks (one choice, every other required field there): just inside `"choices":[{`, if that
 * occurs once (inside a string its quotes would be escaped, so it is the chunk's own key); -1
 * otherwise (the chunk is re-encoded).
 */
function finishReasonAt(chunk: any, data: string): number {
  const choice = Array.isArray(chunk?.choices) && chunk.choices.length === 1 ? chunk.choices[0] : null;
  if (!choice || typeof choice !== 'object' || choice.finish_reason !== undefined) return -1;
  if (choice.index === undefined || !choice.delta || typeof choice.delta !== 'object') return -1;
  if (chunk.object !== 'chat.completion.chunk' || typeof chunk.id !== 'string' || typeof chunk.created !== 'number') return -1;
  const i = data.indexOf(CHOICES_OPEN);
  return i !== -1 && data.indexOf(CHOICES_OPEN, i + 1) === -1 ? i + CHOICES_OPEN.length : -1;
}

/** OpenAI's last stream chunk: the chunk's id, created, model (and fingerprint), no choices, the usage. */
function usageOnlyChunk(chunk: any): Record<string, unknown> {
  const out: Record<string, unknown> = { id: chunk.id, object: 'chat.completion.chunk', created: chunk.created, model: chunk.model };
  if (chunk.system_fingerprint !== undefined) out.system_fingerprint = chunk.system_fingerprint;
  out.choices = [];
  out.usage = chunk.usage;
  return out;
}

/** The transformer as a TransformStream (the ProviderAdapter contract). */
export function createOpenAICompatibleStream(
  opts: OpenAICompatibleOptions,
  convertUsage: (raw: any) => Usage | null,
  ctx: ChatCallContext,
  tally: StreamTally,
): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream(openAICompatibleTransformer(opts, convertUsage, ctx, tally));
}
