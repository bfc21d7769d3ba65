import { UpstreamError } from '../../errors/api-error';
import type { Usage } from '../../usage/types';
import { SSE_DONE, SseParser } from '../shared/sse-parser';
import { tallyText } from '../shared/tally-text';
import type { ChatCallContext, StreamTally } from '../types';
import { withOpenAIUsage } from './with-openai-usage';
import type { OpenAICompatibleOptions } from './openai-compatible-options';

const encoder = new TextEncoder();

/** Adds what a chunk delivered (content, reasoning, tool arguments) to the tally. */
function tallyChunk(chunk: any, tally: StreamTally): void {
  const choices = chunk.choices;
  if (!Array.isArray(choices)) return;
  for (const choice of choices) {
    const delta = choice?.delta;
    if (delta) {
      if (typeof delta.content === 'string') tallyText(tally, delta.content);
      if (typeof delta.reasoning_content === 'string') tallyText(tally, delta.reasoning_content);
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls) {
          const fn = call?.function;
          if (typeof fn?.name === 'string') tallyText(tally, fn.name);
          if (typeof fn?.arguments === 'string') tallyText(tally, fn.arguments);
        }
      }
    }
    if (choice?.finish_reason) tally.finishReason = choice.finish_reason;
  }
}

/**
 * Upstream SSE -> client SSE. Chunks pass through as the upstream wrote them (the data string
 * is re-framed, not re-serialised) unless a quirk hook or usage handling changes them. The
 * gateway always asks upstream for usage; when the client did not, the usage-only chunk is
 * dropped. The gateway writes its own `[DONE]`; a stream that ends without one (and without a
 * finish reason) was cut, and errors so the proxy can send an error event.
 */
export function createOpenAICompatibleStream(
  opts: OpenAICompatibleOptions,
  convertUsage: (raw: any) => Usage | null,
  ctx: ChatCallContext,
  tally: StreamTally,
): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  /** Data of the events to send for the current input chunk (unchanged ones are the upstream's strings). */
  let parts: string[] = [];
  let sawDone = false;
  // When an input chunk is exactly the events sent for it (none changed or dropped, canonical
  // framing, cut at event boundaries, the usual case), its bytes go on as they came.
  let atBoundary = true;

  const parser = new SseParser((e) => {
    if (sawDone || e.data === '[DONE]') {
      sawDone = true; // the gateway writes its own
      return;
    }
    let chunk: any;
    try {
      chunk = JSON.parse(e.data);
    } catch {
      return; // junk lines are not chunks
    }
    if (chunk?.error) {
      const msg = typeof chunk.error.message === 'string' ? chunk.error.message : 'stream error';
      throw new UpstreamError(opts.id, null, `${opts.id} stream failed: ${msg}`, true);
    }
    let changed = opts.transformChunk?.(chunk) ?? false;
    if (chunk.usage) {
      const usage = convertUsage(chunk.usage);
      if (usage) tally.usage = usage;
      const usageOnly = !Array.isArray(chunk.choices) || chunk.choices.length === 0;
      changed = true;
      if (!ctx.clientWantsUsage) {
        if (usageOnly) return;
        delete chunk.usage;
      } else if (usage) {
        chunk.usage = withOpenAIUsage(chunk.usage, usage);
      }
    }
    tallyChunk(chunk, tally);
    parts.push(changed ? JSON.stringify(chunk) : e.data);
  });

  const frame = () => encoder.encode(parts.map((d) => `data: ${d}\n\n`).join(''));

  return new TransformStream({
    transform(bytes, controller) {
      const text = decoder.decode(bytes, { stream: true });
      const startsAtBoundary = atBoundary;
      parser.push(text);
      atBoundary = text.endsWith('\n\n') || text.endsWith('\r\n\r\n');
      if (parts.length === 0) return;
      controller.enqueue(startsAtBoundary && isExactly(text, parts) ? bytes : frame());
      parts = [];
      tally.firstByteAt ??= performance.now();
    },
    flush(controller) {
      parser.push(decoder.decode());
      parser.end();
      if (parts.length) controller.enqueue(frame());
      if (!sawDone && !tally.finishReason) {
        throw new UpstreamError(opts.id, null, `${opts.id} stream ended before it finished`, true);
      }
      controller.enqueue(SSE_DONE);
    },
  });
}

/** The text is exactly `data: <d>\n\n` for each part, in order (compared in place, no copies). */
function isExactly(text: string, parts: string[]): boolean {
  let pos = 0;
  for (const d of parts) {
    if (!text.startsWith('data: ', pos) || !text.startsWith(d, pos + 6)) return false;
    pos += 6 + d.length;
    if (!text.startsWith('\n\n', pos)) return false;
    pos += 2;
  }
  return pos === text.length;
}
