/**
 * An upstream whose answer never ends (an error page, a JSON body, one SSE line) must not make the
 * gateway hold it all: an error body is read up to 16 KB, a whole answer up to
 * MAX_UPSTREAM_BODY_BYTES, an SSE event up to MAX_EVENT_CHARS. Before these caps the gateway read
 * on until the timeout, as fast as the upstream sent (gigabytes at loopback speed). The fake
 * upstream is a raw TCP server, so what goes over the wire is exactly what the test writes.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createServer, type Server, type Socket } from 'node:net';
import { MAX_UPSTREAM_BODY_BYTES, readCapped } from '../../src/providers/shared/read-capped';
import { MAX_EVENT_CHARS, SseParser, type SseEvent } from '../../src/providers/shared/sse-parser';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { expectApiError, expectStillServing } from './reliability-helpers';

// Each endless case moves a little over 128 MiB over loopback: seconds on a loaded CI machine.
setDefaultTimeout(60_000);

describe('SseParser holds at most maxEventChars of one event', () => {
  const parse = (pieces: string[], max: number) => {
    const got: SseEvent[] = [];
    const p = new SseParser((e) => got.push(e), max);
    for (const piece of pieces) p.push(piece);
    return got;
  };

  test('a line that never ends throws once it is longer than the cap', () => {
    expect(() => parse(['data: ', ...Array.from({ length: 20 }, () => 'x'.repeat(10))], 100)).toThrow(/SSE event longer than 100 characters/);
  });

  test('data lines without the blank line that ends the event count too', () => {
    expect(() => parse(Array.from({ length: 20 }, () => 'data: xxxxxxxxxx\n'), 100)).toThrow(/SSE event longer than 100/);
  });

  test('events under the cap, one long line sent in many pieces, come whole', () => {
    const line = 'y'.repeat(90);
    const pieces = ['data: ', ...line.match(/.{1,7}/g)!, '\n\n', 'data: b\n\n'];
    expect(parse(pieces, 100)).toEqual([
      { event: null, data: line },
      { event: null, data: 'b' },
    ]);
  });
});

describe('readCapped', () => {
  const stream = (pieces: string[]) => new Response(new Blob(pieces)).body;
  test('a body within the cap is read whole', async () => {
    const r = await readCapped(stream(['abc', 'def']), 6);
    expect({ text: new TextDecoder().decode(r.bytes), truncated: r.truncated }).toEqual({ text: 'abcdef', truncated: false });
  });
  test('a longer one stops at the cap and says so', async () => {
    const r = await readCapped(stream(['abc', 'defgh']), 6);
    expect({ text: new TextDecoder().decode(r.bytes), truncated: r.truncated }).toEqual({ text: 'abcdef', truncated: true });
  });
  test('a caller that refuses a longer one does not get its bytes joined', async () => {
    const r = await readCapped(stream(['abc', 'defgh']), 6, false);
    expect({ length: r.bytes.byteLength, truncated: r.truncated }).toEqual({ length: 0, truncated: true });
  });
});

/** Writes `head`, then `piece` over and over (waiting for the socket to drain) until `total` bytes went or the gateway hung up, then `last`. */
function pump(s: Socket, head: string, piece: string, total: number, last = '') {
  s.write(head);
  let sent = 0;
  const more = () => {
    while (!s.destroyed && sent < total) {
      sent += piece.length;
      if (!s.write(piece)) return void s.once('drain', more);
    }
    if (!s.destroyed) s.end(last);
  };
  more();
}

/** A chunked-encoding chunk. */
const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
const MiB = 1 << 20;
const BEYOND_CAP = MAX_UPSTREAM_BODY_BYTES + 32 * MiB;
const firstChunk = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] })}\n\n`;

const SSE_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n';
const CHUNK_HEAD = '{"id":"chatcmpl-big","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"';
/** A stream whose second event carries `size` characters of content (written 1 MiB at a time), then a finish and [DONE], as a provider ends. */
const giantEvent = (s: Socket, size: number) =>
  pump(s, `${SSE_HEAD}${chunk(firstChunk)}${chunk(`data: ${CHUNK_HEAD}`)}`, chunk('z'.repeat(MiB)), size,
    chunk(`"},"finish_reason":null}]}\n\ndata: ${CHUNK_HEAD}."},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`) + '0\r\n\r\n');

type Script = (s: Socket) => void;
const SCRIPTS: Record<string, Script> = {
  // A 500 whose body never ends (bounded here only so a broken gateway cannot hang the test machine).
  'endless-500': (s) => pump(s, 'HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n', chunk('oops '.repeat(MiB / 5)), BEYOND_CAP),
  'endless-json': (s) => pump(s, 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n', chunk(' '.repeat(MiB)), BEYOND_CAP),
  // One event of 8 MiB (an image in base64 is a few): relayed whole.
  'giant-event': (s) => giantEvent(s, 8 * MiB),
  // One that ends, but is longer than MAX_EVENT_CHARS (below the whole-answer cap): refused.
  'over-cap-event': (s) => giantEvent(s, MAX_EVENT_CHARS + MiB),
  'endless-sse-line': (s) =>
    pump(s, `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${chunk(firstChunk)}${chunk('data: {"a":"')}`, chunk('x'.repeat(MiB)), BEYOND_CAP),
};

let server: Server;
let gw: TestGateway;
beforeAll(async () => {
  // The first line of each request names the script in its path: /<script>/v1/...
  server = createServer((s) => {
    s.on('error', () => {});
    let head = '';
    s.on('data', (d) => {
      if (head.includes('\r\n\r\n')) return;
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const name = /^POST \/([\w-]+)\//.exec(head)?.[1] ?? '';
      SCRIPTS[name]?.(s);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  gw = await startGateway({
    env: {
      // Three "providers" on the one fake, each path-prefixed with the script it gets.
      ...providerEnv('openai', `http://127.0.0.1:${port}/endless-json/v1`),
      ...providerEnv('deepseek', `http://127.0.0.1:${port}/endless-sse-line/v1`),
      ...providerEnv('ollama', `http://127.0.0.1:${port}/endless-500/v1`),
      ...providerEnv('moonshot', `http://127.0.0.1:${port}/giant-event/v1`),
      ...providerEnv('grok', `http://127.0.0.1:${port}/over-cap-event/v1`),
      LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
      // Long enough that a gateway reading on until it fires fails these tests (504, not the answer wanted).
      LLM_PROXY__UPSTREAM__TIMEOUT_S: '45',
      LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '45',
    },
  });
});
afterAll(async () => {
  await gw.close();
  server.close();
});

const chat = (model: string, stream = false) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }) });

describe('an upstream answer that never ends', () => {
  test('an error body: the client gets the upstream status and the start of its text, not a timeout', async () => {
    const res = await chat('ollama/llama3');
    const err = await expectApiError(res, 502);
    expect(err.code).toBe('upstream_error');
    expect(err.message).toContain('returned HTTP 500: oops oops');
    const row = await gw.waitForRow(res);
    expect(row.status).toBe(502);
    await expectStillServing(gw);
  });

  test('a JSON answer larger than MAX_UPSTREAM_BODY_BYTES is refused once it grows past it', async () => {
    const res = await chat('openai/gpt-4o-mini');
    const err = await expectApiError(res, 502);
    expect(err.code).toBe('upstream_error');
    expect(err.message).toContain('an answer larger than 128 MiB');
    const row = await gw.waitForRow(res);
    expect(row.status).toBe(502);
    await expectStillServing(gw);
  });

  test('an SSE line that never ends ends the stream with an error event once it passes the cap', async () => {
    const res = await chat('deepseek/deepseek-chat', true);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"content":"hi"');
    const last = text.trim().split('\n\n').slice(-2);
    expect(last[1]).toBe('data: [DONE]');
    const error = JSON.parse(last[0]!.replace(/^data: /, '')).error;
    expect(error.message).toContain('SSE event longer than');
    const row = await gw.waitForRow(res);
    expect(row.status).toBe(502);
    expect(row.error).toContain('SSE event longer than');
    await expectStillServing(gw);
  });

  test('one giant SSE event (8 MiB) comes to the client whole, through the openai SDK', async () => {
    const stream = await gw.openai().chat.completions.create({ model: 'moonshot/kimi-k2', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    let finish: string | null = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(text.length).toBe(2 + 8 * MiB + 1);
    expect(text === `hi${'z'.repeat(8 * MiB)}.`).toBe(true);
    expect(finish).toBe('stop');
  });

  test('one SSE event longer than MAX_EVENT_CHARS (64 MiB), though it ends, fails the stream with an error event and one row', async () => {
    expect(MAX_EVENT_CHARS).toBe(64 * MiB);
    const res = await chat('grok/grok-4', true);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"content":"hi"');
    const last = text.trim().split('\n\n').slice(-2);
    expect(last[1]).toBe('data: [DONE]');
    const error = JSON.parse(last[0]!.replace(/^data: /, '')).error;
    expect(error.message).toContain(`SSE event longer than ${64 * MiB} characters`);
    expect(text).not.toContain('zzzz');
    const row = await gw.waitForRow(res);
    expect(row.status).toBe(502);
    expect(row.error).toContain('SSE event longer than');
    await expectStillServing(gw);
  });
});
