/**
 * A fake upstream over Bun.serve({ port: 0 }) on loopback: records every request (so tests can
 * assert what the gateway SENT) and answers through a handler that tests swap per case.
 * Helpers replay recorded-shape fixtures: `*.chunks.txt`, one SSE payload per line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it is not JSON. */
  body: any;
}

export type FakeHandler = (req: Request, recorded: RecordedRequest, fake: FakeUpstream) => Response | Promise<Response>;

export interface FakeUpstream {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: RecordedRequest[];
  /** Streams the fake was sending when the other side went away (aborted or cancelled). */
  aborts: number;
  handler: FakeHandler;
  last(): RecordedRequest;
  /** Counts one abort (sseResponse streams do it when their reader leaves mid-stream). */
  noteAbort(): void;
  /** Resolves when the fake has seen `n` aborts (or rejects after `ms`). */
  waitForAbort(n?: number, ms?: number): Promise<void>;
  close(): void;
}

export const FIXTURES_DIR = join(import.meta.dir, '..', 'fixtures');

/** `test/fixtures/<provider>/<name>`, as text. */
export function fixtureText(provider: string, name: string): string {
  return readFileSync(join(FIXTURES_DIR, provider, name), 'utf8');
}

export function fixtureJson(provider: string, name: string): any {
  return JSON.parse(fixtureText(provider, name));
}

/** The SSE payloads of a `*.chunks.txt` fixture (blank lines and `#` comments skipped). */
export function readChunks(provider: string, name: string): string[] {
  return fixtureText(provider, name)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

export interface SseReplayOptions {
  /** Pause before each chunk. */
  delayMs?: number;
  /** Send only this many payloads, then close the connection abruptly (a cut stream). */
  cutAfter?: number;
  /** Send this many payloads, then go silent without closing (for idle timeouts and aborts). */
  hangAfter?: number;
  /** Called when the reader went away mid-stream. */
  onAbort?: () => void;
  /**
   * Before payload number `at` (or the cut or hang there), wait until `until` settles: e.g. until
   * the client has read what came before, so a fault cannot overtake good payloads in one network
   * read, however loaded the machine (a fixed delayMs only makes that unlikely).
   */
  holdAt?: { at: number; until: Promise<unknown> };
}

/** Replays SSE payloads as `data: <payload>\n\n` frames, one write per payload. */
export function sseResponse(payloads: string[], opts: SseReplayOptions = {}): Response {
  const enc = new TextEncoder();
  let i = 0;
  let done = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (opts.delayMs) await Bun.sleep(opts.delayMs);
      if (opts.holdAt && i === opts.holdAt.at) await opts.holdAt.until;
      if (opts.cutAfter !== undefined && i >= opts.cutAfter) {
        done = true;
        controller.error(new Error('fake upstream cut the stream'));
        return;
      }
      if (opts.hangAfter !== undefined && i >= opts.hangAfter) {
        await new Promise(() => {}); // silent until the reader cancels
      }
      if (i >= payloads.length) {
        done = true;
        controller.close();
        return;
      }
      controller.enqueue(enc.encode(`data: ${payloads[i++]}\n\n`));
    },
    cancel() {
      if (!done) opts.onAbort?.();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A plain chat completion of `model` answering 'ok' (3 prompt tokens, 1 completion token). */
export function okCompletion(model: string): Response {
  return Response.json({
    id: 'chatcmpl-1', object: 'chat.completion', created: 1, model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  });
}

/** A JSON answer sent exactly as the given text (a fixture file), for byte-for-byte pass-through checks. */
export function rawJsonResponse(text: string, status = 200): Response {
  return new Response(text, { status, headers: { 'content-type': 'application/json' } });
}

/**
 * SSE sent as one body, each payload as `data:` with an `event:` line when named (OpenAI's
 * Responses stream names every event; chat streams do not).
 */
export function sseEventsResponse(payloads: { event?: string; data: string }[]): Response {
  const body = payloads.map((p) => (p.event ? `event: ${p.event}\n` : '') + `data: ${p.data}\n\n`).join('');
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

/** Starts a fake upstream. The default handler answers 500 so an unexpected call is visible. */
export function startFakeUpstream(handler?: FakeHandler): FakeUpstream {
  const waiters: { n: number; resolve: () => void }[] = [];
  const fake: FakeUpstream = {
    url: '',
    requests: [],
    aborts: 0,
    handler: handler ?? (() => jsonResponse({ error: { message: 'no handler set in this test' } }, 500)),
    last() {
      const r = fake.requests.at(-1);
      if (!r) throw new Error('the fake upstream received no request');
      return r;
    },
    waitForAbort(n = 1, ms = 10_000) {
      if (fake.aborts >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`fake upstream saw ${fake.aborts} aborts, wanted ${n}`)), ms);
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
      });
    },
    noteAbort() {
      fake.aborts++;
      for (const w of waiters.splice(0)) {
        if (fake.aborts >= w.n) w.resolve();
        else waiters.push(w);
      }
    },
    close: () => server.stop(true),
  };
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const text = await req.text();
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // keep text
      }
      const recorded: RecordedRequest = {
        method: req.method,
        path: url.pathname,
        search: url.search,
        headers: Object.fromEntries(req.headers),
        body,
      };
      fake.requests.push(recorded);
      return fake.handler(req, recorded, fake);
    },
  });
  fake.url = `http://127.0.0.1:${server.port}`;
  return fake;
}

/** Handler helper: replay a fixture stream, counting an abort on the fake when the reader leaves. */
export function replay(provider: string, name: string, opts: SseReplayOptions = {}): FakeHandler {
  return (_req, _rec, fake) => sseResponse(readChunks(provider, name), { onAbort: () => fake.noteAbort(), ...opts });
}

/** Handler helper: answer with a JSON fixture. */
export function replayJson(provider: string, name: string): FakeHandler {
  return () => jsonResponse(fixtureJson(provider, name));
}
