import type { ApiError } from '../errors/api-error';
import { PACED_FROM_BYTES } from '../http/paced-body';
import { SSE_DONE, sseBytes } from '../providers/shared/sse-parser';
import type { ChatRequest, ProviderId } from '../providers/types';
import type { TokenCounter } from '../usage/token-counter';
import type { StreamAttempt } from './open-attempt';
import { pullRelay, type RelaySteps } from './pull-relay';
import { estimatedUsageChunk } from './stream-usage-estimate';

function endsWithDone(chunk: Uint8Array): boolean {
  const n = SSE_DONE.length;
  if (chunk.length < n) return false;
  for (let i = 0; i < n; i++) if (chunk[chunk.length - n + i] !== SSE_DONE[i]) return false;
  return true;
}

/** How a relayed stream ended: null error = finished normally. */
export type StreamEnd = { error: ApiError | null };

/** A finished step (pullRelay then closes the body). */
const FINISHED = { error: null };

/**
 * The chat relay's steps (pullRelay's RelaySteps): a class, so a stream in flight gets one object
 * rather than a closure per method, and `step` is not async (the pre-read chunk goes out without a
 * promise; a read's result is handled in one `then`): thousands of streams make each count.
 */
class ChatRelaySteps implements RelaySteps {
  private pending: Uint8Array | null;

  constructor(
    private readonly s: StreamAttempt,
    private readonly ended: (end: StreamEnd) => void,
    private readonly errorBytesOf: ((e: ApiError) => Uint8Array[]) | undefined,
    /** Set where a stream that owes its client usage ends with the estimate (relayStream's `estimateFor`). */
    private readonly estimateFor: ChatRequest | undefined,
    private readonly counter: TokenCounter | undefined,
    /** The target's provider, whose bill may differ from the body's tokens (estimateDelivered). */
    private readonly provider: ProviderId | undefined,
  ) {
    this.pending = s.first;
  }

  /**
   * The pre-read piece when it is the whole answer (it ends with [DONE], no estimate owed), taken;
   * else null. A large one is relayed as a stream still, so a client that stops reading is seen.
   */
  takeWhole(): Uint8Array | null {
    const chunk = this.pending;
    if (!chunk || chunk.byteLength >= PACED_FROM_BYTES || !endsWithDone(chunk) || this.owesEstimate()) return null;
    this.pending = null;
    return chunk;
  }

  step(controller: ReadableStreamDefaultController<Uint8Array>): { error: null } | null | Promise<{ error: null } | null> {
    const chunk = this.pending;
    if (chunk) {
      this.pending = null;
      return this.send(controller, chunk);
    }
    return this.s.reader.read().then((r) => (r.done ? FINISHED : this.send(controller, r.value)));
  }

  /**
   * Hands one piece to the client. The adapter wrote [DONE]: finish now, so a client that hangs up
   * right after it is not logged as having closed the request early. A stream that owes its client
   * usage (StreamTally.usageOwed) gets the estimate first: only its last piece is looked at.
   */
  private send(controller: ReadableStreamDefaultController<Uint8Array>, chunk: Uint8Array): { error: null } | null | Promise<{ error: null }> {
    if (!endsWithDone(chunk)) {
      controller.enqueue(chunk);
      return null;
    }
    if (this.owesEstimate()) return this.withEstimate(controller, chunk);
    controller.enqueue(chunk);
    return FINISHED;
  }

  /** The stream finished owing its client usage the upstream did not give: the estimate goes out before [DONE]. */
  private owesEstimate(): boolean {
    const tally = this.s.tally;
    return this.estimateFor !== undefined && tally.usageOwed !== undefined && tally.usage === null;
  }

  /** The last piece, then OpenAI's usage-only chunk with the estimate the row bills, then [DONE]. */
  private async withEstimate(controller: ReadableStreamDefaultController<Uint8Array>, chunk: Uint8Array): Promise<{ error: null }> {
    const head = chunk.subarray(0, chunk.length - SSE_DONE.length);
    if (head.length > 0) controller.enqueue(head);
    const usageChunk = await estimatedUsageChunk(this.estimateFor!, this.s.tally, this.counter!, this.provider);
    if (usageChunk !== null) controller.enqueue(sseBytes(usageChunk));
    controller.enqueue(SSE_DONE);
    return FINISHED;
  }

  errorBytes(e: ApiError): Uint8Array[] {
    return this.errorBytesOf ? this.errorBytesOf(e) : [sseBytes(JSON.stringify(e.toBody())), SSE_DONE];
  }

  onEnd(error: ApiError | null): void {
    this.ended({ error });
  }
}

/** A relayed stream: its body, and its bytes when the whole answer had arrived before the body was built. */
export interface Relayed {
  body: ReadableStream<Uint8Array>;
  /**
   * The whole answer, when it had all arrived (an upstream that sends it at once after its latency):
   * the stream is over (onEnd ran) and `body`, closed, carries the same bytes. Sent as bytes, Bun
   * writes the head and the body in one send, with no stream to read (BENCHMARKS.md, session 24).
   */
  whole: Uint8Array | null;
}

/**
 * The client-facing stream: the pre-read first chunk, then the adapter's output as it comes
 * (pull-based, with the idle and stalled-client handling of pullRelay). A failure after the first
 * byte becomes `data: {"error":...}` + `data: [DONE]` (or the bytes `errorBytes` gives, e.g.
 * Anthropic's `event: error` on /v1/messages), never a dropped socket. `onEnd` runs exactly once.
 * With `estimateFor` (the request), its `counter` and the target's `provider`: a stream that finished
 * owing its client usage (it asked for include_usage, the upstream gave none usable) ends with the
 * estimate, which its row then bills (stream-usage-estimate.ts).
 */
export function relayStream(
  s: StreamAttempt,
  onEnd: (end: StreamEnd) => void,
  errorBytes?: (e: ApiError) => Uint8Array[],
  estimateFor?: ChatRequest,
  counter?: TokenCounter,
  provider?: ProviderId,
): Relayed {
  const steps = new ChatRelaySteps(s, onEnd, errorBytes, estimateFor, counter, provider);
  const whole = steps.takeWhole();
  if (whole === null) return { body: pullRelay(s.upstream, s.reader, steps), whole: null };
  s.upstream.dispose();
  onEnd(FINISHED);
  return { body: closedBody(whole), whole };
}

/** A body that is over: these bytes, then its end. */
function closedBody(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}
