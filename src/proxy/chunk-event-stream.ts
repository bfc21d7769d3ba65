import type { ChatCompletionChunk } from '../providers/types';

const encoder = new TextEncoder();

/** One SSE frame named by its event's type, then its JSON (Anthropic's and the Responses API's framing). */
export const namedSseFrame = (e: { type: string }) => encoder.encode(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);

/** Turns chat chunks into another API's stream events (/v1/messages, bridged /v1/responses). */
export interface ChunkEventBridge<E extends { type: string }> {
  start(): E[];
  push(chunk: ChatCompletionChunk): E[];
  /** The events that end a stream whose chunks all came. */
  finish(): E[] | Promise<E[]>;
  /** The events that end a stream that failed midway. */
  fail(err: unknown): E[] | Promise<E[]>;
  /** The client left before the end (nothing more is sent): the bridge's last word on what it holds. */
  cancel?(): void;
}

/**
 * A pull-based SSE body from a chat chunk iterator (the first chunk has already arrived, so
 * upstream failures before it were plain HTTP errors): the bridge's start events, then its
 * events per chunk as they come (chunks that yield none are read past), then its finish, or its
 * fail events when the upstream breaks midway. With `ping`, that event goes out after every
 * `pingMs` of upstream silence. Cancelling the body (the client left) tells the bridge and ends the upstream call.
 */
export function chunkEventStream<E extends { type: string }>(
  chunks: AsyncGenerator<ChatCompletionChunk>,
  bridge: ChunkEventBridge<E>,
  keepAlive?: { ping: E; pingMs: number },
): ReadableStream<Uint8Array> {
  let started = false;
  let done = false;
  let pending: Promise<IteratorResult<ChatCompletionChunk>> | null = null;
  /** The next chunk, or 'ping' when keepAlive's silence passed first (the read stays pending). */
  const next = async (): Promise<IteratorResult<ChatCompletionChunk> | 'ping'> => {
    pending ??= chunks.next();
    let timer: Timer | undefined;
    const tick = keepAlive && new Promise<'ping'>((r) => (timer = setTimeout(() => r('ping'), keepAlive.pingMs)));
    const r = await (tick ? Promise.race([pending, tick]).finally(() => clearTimeout(timer)) : pending);
    if (r !== 'ping') pending = null;
    return r;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const send = (events: E[]) => events.forEach((e) => controller.enqueue(namedSseFrame(e)));
        const end = (events: E[]) => {
          send(events);
          done = true;
          controller.close();
        };
        if (!started) {
          started = true;
          return send(bridge.start());
        }
        try {
          for (;;) {
            const r = await next();
            if (r === 'ping') return send([keepAlive!.ping]);
            if (r.done) return end(await bridge.finish());
            const events = bridge.push(r.value);
            if (events.length) return send(events);
          }
        } catch (err) {
          end(await bridge.fail(err));
        }
      },
      async cancel() {
        if (done) return;
        done = true;
        bridge.cancel?.();
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
