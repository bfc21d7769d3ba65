/**
 * Clients that misbehave on the wire, several at once: hanging up in the middle of a request body,
 * right after the answer's headers or in the middle of a stream, and readers that stop taking the
 * stream (TCP backpressure). Every request leaves exactly one row; the upstream slots, the key's
 * max_parallel slot and budget reservation are all given back; a client that stops reading is
 * dropped after the idle timeout without being counted against the upstream's breaker.
 */
import { afterAll, beforeAll, beforeEach, expect, setDefaultTimeout, test } from 'bun:test';
import type { Socket } from 'bun';
import { eq } from 'drizzle-orm';
import { clients } from '../../src/db/schema';
import { readChunks, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

// A limit only bounds a hang: the stall tests wait for 1 s timers on a possibly loaded machine.
setDefaultTimeout(30_000);

const CHUNKS = readChunks('openai', 'text.chunks.txt');
const enc = new TextEncoder();
let fake: FakeUpstream;
let gw: TestGateway;
/** Upstream streams the gateway cancelled (its client left or stalled). */
let upstreamCancels = 0;

/** An endless chat stream of 16 KB frames, as fast as the reader takes them: never silent. */
function endlessChat(): Response {
  const frame = enc.encode(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'x'.repeat(16_384) }, finish_reason: null }] })}\n\n`);
  return new Response(new ReadableStream({ pull: (c) => c.enqueue(frame), cancel: () => void upstreamCancels++ }), { headers: { 'content-type': 'text/event-stream' } });
}

/** The same for OpenAI's own Responses stream (passed through as it is). */
function endlessResponses(): Response {
  const frame = enc.encode(`event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', delta: 'x'.repeat(16_384) })}\n\n`);
  return new Response(new ReadableStream({ pull: (c) => c.enqueue(frame), cancel: () => void upstreamCancels++ }), { headers: { 'content-type': 'text/event-stream' } });
}

/** The recorded chat stream, whole. */
const shortChat = () => new Response(CHUNKS.map((c) => `data: ${c}\n\n`).join(''), { headers: { 'content-type': 'text/event-stream' } });

beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '1' } });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});
beforeEach(() => gw.ctx.breakers.reset());

/** A key with max_parallel and a budget, in force. */
async function limitedKey(name: string, maxParallel: number) {
  const c = gw.addClient(name);
  gw.ctx.db.update(clients).set({ maxParallel, budgetUsd: 50, budgetPeriod: 'total' }).where(eq(clients.id, c.id)).run();
  await gw.ctx.limits.seed(gw.ctx.state.reload());
  const scope = gw.ctx.state.getSnapshot().clientsById!.get(c.id)!.limits!.scopes[0]!;
  return { ...c, outstanding: () => gw.ctx.limits.counters.outstanding(scope) };
}

interface RawClient {
  sock: Socket<undefined>;
  /** Everything received so far, as text. */
  text(): string;
  /** Resolves once the received text matches (or has this many bytes). */
  sees(what: RegExp | number): Promise<void>;
  /** Whether the gateway closed the connection. */
  closed(): boolean;
}

/** A client on a raw TCP socket: sends `head` (and `body`), reads unless `paused`. */
async function rawClient(head: string, body = '', opts: { paused?: boolean } = {}): Promise<RawClient> {
  let text = '';
  let closed = false;
  const sock = await Bun.connect({
    hostname: '127.0.0.1',
    port: Number(new URL(gw.url).port),
    socket: { data: (_s, d) => void (text += new TextDecoder().decode(d)), error: () => {}, close: () => void (closed = true) },
  });
  if (opts.paused) sock.pause();
  sock.write(head + body);
  return { sock, text: () => text, sees: (what) => until(() => (typeof what === 'number' ? text.length >= what : what.test(text)), 15_000), closed: () => closed };
}

const requestHead = (key: string, path: string, length: number, extra = '') =>
  `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n${extra}\r\n`;

const chatJson = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });

async function health(): Promise<{ requests_in_flight: number; upstream: { in_use: number; waiting: number } }> {
  return (await fetch(`${gw.url}/health`)).json() as any;
}

test('a client that hangs up in the middle of its request body: one 499 row, not a 500', async () => {
  const own = gw.addClient('hangs up mid-body');
  // The 100 Continue says the gateway took the request and waits for its body.
  const c = await rawClient(requestHead(own.key, '/v1/chat/completions', chatJson.length, 'expect: 100-continue\r\n'), chatJson.slice(0, 20));
  await c.sees(/^HTTP\/1.1 100 Continue/);
  c.sock.terminate();
  const rows = await gw.waitForClientRows(own.id, 1);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ status: 499, errorType: 'client_closed_request', endpoint: 'chat' });
});

test('clients that hang up at every point of a request, with a limited key: one row each, every slot given back', async () => {
  fake.handler = () => endlessChat();
  const key = await limitedKey('hangs up everywhere', 100);
  const POINTS = ['mid-request-body', 'after-headers', 'mid-stream'] as const;
  const ends = await Promise.all(
    Array.from({ length: 30 }, async (_, i) => {
      const at = POINTS[i % 3]!;
      if (at === 'mid-request-body') {
        const c = await rawClient(requestHead(key.key, '/v1/chat/completions', chatJson.length, 'expect: 100-continue\r\n'), chatJson.slice(0, 20));
        await c.sees(/^HTTP\/1.1 100 Continue/);
        c.sock.terminate();
        return at;
      }
      const c = await rawClient(requestHead(key.key, '/v1/chat/completions', chatJson.length), chatJson);
      await c.sees(at === 'after-headers' ? /\r\n\r\n/ : 3 * 16_384);
      c.sock.terminate();
      return at;
    }),
  );
  expect(ends).toHaveLength(30);
  const rows = await gw.waitForClientRows(key.id, 30);
  expect(rows).toHaveLength(30);
  expect(new Set(rows.map((r) => r.requestId)).size).toBe(30);
  // The upstream never ends nor goes silent: only the client's leaving ends a request.
  for (const r of rows) expect(r).toMatchObject({ status: 499, errorType: 'client_closed_request' });
  await until(() => {
    const o = key.outstanding() as { reservedUsd: number; inFlight: number };
    return o.inFlight === 0 && Math.abs(o.reservedUsd) < 1e-12;
  });
  expect((await health()).upstream).toMatchObject({ in_use: 0, waiting: 0 });
});

test('readers that stop taking the stream are dropped after the idle timeout: 499, breaker untouched, slots given back', async () => {
  fake.handler = () => endlessChat();
  const cancelsBefore = upstreamCancels;
  // max_parallel 5: all five in flight at once, so the key's slots are visibly held, then freed.
  const key = await limitedKey('stops reading', 5);
  const readers = await Promise.all(
    Array.from({ length: 5 }, () => rawClient(requestHead(key.key, '/v1/chat/completions', chatJson.length), chatJson, { paused: true })),
  );
  const rows = await gw.waitForClientRows(key.id, 5, 20_000);
  expect(rows.map((r) => [r.status, r.errorType])).toEqual(Array(5).fill([499, 'client_read_timeout']));
  expect(rows[0]!.error).toContain('LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S');
  // Five failures would have opened the circuit: the upstream never went silent.
  expect(gw.ctx.breakers.state('openai')).toBe('closed');
  await until(() => upstreamCancels === cancelsBefore + 5);
  const left = key.outstanding() as { reservedUsd: number; inFlight: number };
  expect(left.inFlight).toBe(0);
  expect(left.reservedUsd).toBeCloseTo(0, 12);
  expect((await health()).upstream).toMatchObject({ in_use: 0, waiting: 0 });
  // The key's five slots are free again.
  fake.handler = () => shortChat();
  const again = await gw.openai(key.key).chat.completions.create({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  for await (const _ of again);
  for (const r of readers) r.sock.terminate();
});

test('a reader that stops taking an OpenAI Responses stream (passed through) is dropped the same way', async () => {
  fake.handler = () => endlessResponses();
  const own = gw.addClient('stops reading responses');
  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, input: 'hi' });
  const reader = await rawClient(requestHead(own.key, '/v1/responses', body.length), body, { paused: true });
  const rows = await gw.waitForClientRows(own.id, 1, 20_000);
  expect(rows[0]).toMatchObject({ status: 499, errorType: 'client_read_timeout', endpoint: 'responses' });
  expect((await health()).upstream).toMatchObject({ in_use: 0, waiting: 0 });
  reader.sock.terminate();
});

test('a reader that pauses for less than the idle timeout gets the whole stream', async () => {
  fake.handler = () => shortChat();
  const own = gw.addClient('pauses briefly');
  const reader = await rawClient(requestHead(own.key, '/v1/chat/completions', chatJson.length), chatJson, { paused: true });
  // The whole answer fits the socket buffers: the gateway is done before the client reads.
  const rows = await gw.waitForClientRows(own.id, 1);
  expect(rows[0]).toMatchObject({ status: 200, errorType: null });
  reader.sock.resume();
  await reader.sees(/data: \[DONE\]/);
  reader.sock.terminate();
});

test('a reader that stops taking a stream has its connection closed once dropped: nothing stays in flight', async () => {
  // Bun keeps a connection whose client reads nothing open while it has bytes to send: an errored
  // body alone does not close it, so each stalled client held a connection and a request in flight
  // for as long as it liked (thousands of them: thousands of sockets, never counted down).
  const own = gw.addClient('stalls on every endpoint');
  const messagesJson = JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const responsesJson = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, input: 'hi' });
  fake.handler = (req) => (new URL(req.url).pathname.endsWith('/responses') ? endlessResponses() : endlessChat());
  const readers = await Promise.all([
    ...Array.from({ length: 3 }, () => rawClient(requestHead(own.key, '/v1/chat/completions', chatJson.length), chatJson, { paused: true })),
    rawClient(requestHead(own.key, '/v1/messages', messagesJson.length), messagesJson, { paused: true }),
    rawClient(requestHead(own.key, '/v1/responses', responsesJson.length), responsesJson, { paused: true }),
  ]);
  const rows = await gw.waitForClientRows(own.id, 5, 20_000);
  expect(rows.map((r) => [r.endpoint, r.status, r.errorType]).sort()).toEqual(
    [['chat', 499, 'client_read_timeout'], ['chat', 499, 'client_read_timeout'], ['chat', 499, 'client_read_timeout'], ['messages', 499, 'client_read_timeout'], ['responses', 499, 'client_read_timeout']],
  );
  // The readers still hold their sockets open: only the gateway can end these requests.
  let h = await health();
  const deadline = Date.now() + 15_000;
  while (h.requests_in_flight > 0 && Date.now() < deadline) {
    await Bun.sleep(100);
    h = await health();
  }
  expect(h).toMatchObject({ requests_in_flight: 0, upstream: { in_use: 0, waiting: 0 } });
  for (const r of readers) r.sock.terminate();
});

/** A whole chat completion of `bytes` characters of text: far more than the socket buffers hold. */
const hugeCompletion = (bytes: number) =>
  Response.json({ id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(bytes) }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } });

/** Waits until nothing is in flight (requests, upstream slots) and says what is left. */
async function settled() {
  let h = await health();
  const deadline = Date.now() + 15_000;
  while ((h.requests_in_flight > 0 || h.upstream.in_use > 0) && Date.now() < deadline) {
    await Bun.sleep(100);
    h = await health();
  }
  return h;
}

/**
 * The one row of a client that reads nothing, once written; the answer's head, read after that
 * from the socket's buffer, names it by x-request-id, and the gateway has closed the connection.
 */
async function rowOfStalled(c: RawClient, clientId: number) {
  const [first] = await gw.waitForClientRows(clientId, 1, 20_000);
  c.sock.resume();
  await c.sees(/x-request-id: [\w-]+\r\n/);
  const row = await gw.waitForRow(/x-request-id: ([\w-]+)\r\n/.exec(c.text())![1]!);
  expect(row).toBe(first!);
  await until(() => c.closed(), 15_000);
  return row;
}

test('a reader that never takes a large whole answer is dropped after the idle timeout: 499 row, key slot and connection given back', async () => {
  // A whole answer went out as one body: Bun kept the connection and the answer's bytes for as
  // long as the client read nothing (a request in flight forever), and the row said 200.
  fake.handler = () => hugeCompletion(24 * 1024 * 1024);
  const key = await limitedKey('never reads a whole answer', 1);
  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const reader = await rawClient(requestHead(key.key, '/v1/chat/completions', body.length), body, { paused: true });
  const row = await rowOfStalled(reader, key.id);
  expect(row).toMatchObject({ status: 499, errorType: 'client_read_timeout', endpoint: 'chat', promptTokens: 3, completionTokens: 5 });
  expect(row.error).toContain('LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S');
  expect(reader.text()).toStartWith('HTTP/1.1 200');
  expect(await settled()).toMatchObject({ requests_in_flight: 0, upstream: { in_use: 0, waiting: 0 } });
  expect(gw.ctx.breakers.state('openai')).toBe('closed');
  const left = key.outstanding() as { reservedUsd: number; inFlight: number };
  expect(left.inFlight).toBe(0);
  expect(left.reservedUsd).toBeCloseTo(0, 12);
  reader.sock.terminate();
});

test('a reader that never takes a large images answer (base64) is dropped the same way', async () => {
  fake.handler = () => Response.json({ created: 1, data: [{ b64_json: 'A'.repeat(24 * 1024 * 1024) }], usage: { input_tokens: 5, output_tokens: 10, total_tokens: 15 } });
  const own = gw.addClient('never reads an image');
  const body = JSON.stringify({ model: 'openai/gpt-image-1', prompt: 'a lighthouse' });
  const reader = await rawClient(requestHead(own.key, '/v1/images/generations', body.length), body, { paused: true });
  const row = await rowOfStalled(reader, own.id);
  expect(row).toMatchObject({ status: 499, errorType: 'client_read_timeout', endpoint: 'images', images: 1 });
  expect(await settled()).toMatchObject({ requests_in_flight: 0, upstream: { in_use: 0, waiting: 0 } });
  reader.sock.terminate();
});

test('a large whole answer read to its end arrives whole and its row says 200', async () => {
  fake.handler = () => hugeCompletion(4 * 1024 * 1024);
  const own = gw.addClient('reads a large answer');
  const { data, response } = await gw.openai(own.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  expect(data.choices[0]!.message.content).toHaveLength(4 * 1024 * 1024);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, errorType: null });
});

test('a client that hangs up in the middle of a large whole answer: 499 client_closed_request', async () => {
  fake.handler = () => hugeCompletion(24 * 1024 * 1024);
  const own = gw.addClient('hangs up mid-answer');
  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const c = await rawClient(requestHead(own.key, '/v1/chat/completions', body.length), body);
  await c.sees(256 * 1024);
  const id = /x-request-id: ([\w-]+)\r\n/.exec(c.text())![1]!;
  c.sock.terminate();
  expect(await gw.waitForRow(id, 20_000)).toMatchObject({ status: 499, errorType: 'client_closed_request' });
  expect(await settled()).toMatchObject({ requests_in_flight: 0 });
});
