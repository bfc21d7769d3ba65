/** Upstream bodies sent piece by piece, and SDK streams read to their end, for the stream-relay tests. */

const enc = new TextEncoder();

/** An upstream body sent in the given pieces, one read each (`gapMs` apart, a millisecond unless told), then closed. */
export function piecesResponse(pieces: (string | Uint8Array)[], gapMs = 1): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (i >= pieces.length) return c.close();
      await Bun.sleep(gapMs);
      const p = pieces[i++]!;
      c.enqueue(typeof p === 'string' ? enc.encode(p) : p);
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

/**
 * An SSE body of the first `count` payloads as `data:` events, then, once `gate` settles (the test
 * saw them reach the client), a connection reset: a drop that cannot land before the first byte.
 */
export function sseResetAfter(payloads: string[], count: number, gate: Promise<void>): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (i < count) return c.enqueue(enc.encode(`data: ${payloads[i++]}\n\n`));
      await gate;
      c.error(new Error('connection reset'));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

/** Iterates an SDK stream: the events, and the error it ended with (null when it ended whole). */
export async function drainStream<T>(stream: AsyncIterable<T>): Promise<{ got: T[]; failure: Error | null }> {
  const got: T[] = [];
  try {
    for await (const e of stream) got.push(e);
  } catch (err) {
    return { got, failure: err as Error };
  }
  return { got, failure: null };
}
