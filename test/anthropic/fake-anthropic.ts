/** Replays Anthropic's wire shapes from test/fixtures/anthropic/ (SSE files sent event by event). */
import { fixtureJson, fixtureText, type FakeHandler } from '../helpers/fake-upstream';

export const anthropicJson = (name: string) => fixtureJson('anthropic', name);

/** A recorded `.sse` fixture (event: + data: lines), sent in one write per event as Anthropic does. */
export function anthropicSse(name: string, opts: { cutAfter?: number } = {}): Response {
  const events = fixtureText('anthropic', name).split(/\n\n+/).filter((e) => e.trim()).map((e) => `${e}\n\n`);
  const enc = new TextEncoder();
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (opts.cutAfter !== undefined && i >= opts.cutAfter) return c.error(new Error('fake upstream cut the stream'));
      const e = events[i++];
      if (e === undefined) return c.close();
      c.enqueue(enc.encode(e));
      await Bun.sleep(1);
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
}

/** Answers each call with the next reply; a call past the end is a visible 500. */
export function queue(...replies: (() => Response)[]): FakeHandler {
  return () => {
    const next = replies.shift();
    return next ? next() : Response.json({ type: 'error', error: { type: 'api_error', message: 'fake: no reply queued' } }, { status: 500 });
  };
}

export const json = (name: string, status = 200, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify(anthropicJson(name)), { status, headers: { 'content-type': 'application/json', ...headers } });
export const sse = (name: string, opts: { cutAfter?: number } = {}) => () => anthropicSse(name, opts);
