/** Failures after the first byte: error event + [DONE], never a dropped socket; client aborts reach upstream. */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { SseParser } from '../../src/providers/shared/sse-parser';
import { createBreakerRegistry } from '../../src/routing';
import { readChunks, replay, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({
    // The default idle timeout: only the idle-timeout test below may end a stream by a timer (it
    // has its own gateway); here a slow, loaded machine must not turn a client abort into a 504.
    env: providerEnv('openai', `${fake.url}/v1`),
    // Every test here fails the same upstream on purpose; keep its circuit out of the way.
    breakers: createBreakerRegistry({ failureThreshold: 1_000 }),
  });
});
// Mid-stream failures count against the breaker: five in this file would open the circuit.
beforeEach(() => gw.ctx.breakers.reset());
afterAll(async () => {
  await gw.close();
  fake.close();
});

const streamBody = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hello' }] });

/**
 * Resolved by the client once it has received `n` events. Fakes hold their failure until then,
 * so the good chunks reach the client before it: a failure arriving with them in one network
 * read (likely on a loaded machine, whatever the pause between writes) lands before the first
 * byte, and is answered as a plain HTTP error instead.
 */
let received = (_n: number) => Promise.resolve();
let onEvent = (_count: number) => {};
beforeEach(() => {
  let seen = 0;
  const waits: { n: number; resolve: () => void }[] = [];
  received = (n) => (seen >= n ? Promise.resolve() : new Promise<void>((resolve) => waits.push({ n, resolve })));
  onEvent = (count) => {
    seen = count;
    waits.filter((w) => count >= w.n).forEach((w) => w.resolve());
  };
});

/** Posts a streaming request and returns the SSE data payloads the client received (and the answer). */
async function events(g: TestGateway = gw): Promise<{ status: number; data: string[]; res: Response }> {
  const res = await g.fetch('/v1/chat/completions', { method: 'POST', body: streamBody });
  const data: string[] = [];
  const parser = new SseParser((e) => onEvent(data.push(e.data)));
  const decoder = new TextDecoder();
  for await (const bytes of res.body!) parser.push(decoder.decode(bytes, { stream: true }));
  parser.end();
  return { status: res.status, data, res };
}

test('an upstream cut mid-stream ends with an error event and [DONE]', async () => {
  fake.handler = replay('openai', 'text.chunks.txt', { cutAfter: 3, holdAt: { at: 3, until: received(3) } });
  const { status, data, res } = await events();
  expect(status).toBe(200);
  expect(data.at(-1)).toBe('[DONE]');
  const err = JSON.parse(data.at(-2)!);
  expect(Object.keys(err)).toEqual(['error']);
  expect(err.error).toMatchObject({ type: 'api_error', param: null });
  expect(typeof err.error.message).toBe('string');
  // What was delivered before the cut came through untouched.
  const text = data.slice(0, -2).map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '').join('');
  expect(text).toBe('Hello! How');
  // The row is an error, billed by estimate for the prompt plus the text delivered.
  const row = await gw.waitForRow(res);
  expect(row.status).toBe(502);
  expect(row.estimated).toBe(true);
  expect(row.completionTokens).toBeGreaterThan(0);
  expect(row.promptTokens).toBeGreaterThan(0);
});

test('a stream that stops without [DONE] or a finish reason counts as cut', async () => {
  const lines = readChunks('openai', 'text.chunks.txt').slice(0, 3);
  fake.handler = () => sseResponse(lines);
  const { data } = await events();
  expect(data.at(-1)).toBe('[DONE]');
  expect(JSON.parse(data.at(-2)!).error.type).toBe('api_error');
});

test('an error event from the upstream mid-stream is relayed as the gateway error event', async () => {
  const lines = readChunks('openai', 'text.chunks.txt').slice(0, 2);
  fake.handler = () =>
    sseResponse([...lines, JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error' } })], {
      holdAt: { at: 2, until: received(2) },
    });
  const { data } = await events();
  expect(data.at(-1)).toBe('[DONE]');
  expect(JSON.parse(data.at(-2)!).error.message).toContain('The server had an error');
});

// An upstream (or a loaded gateway reading late) can deliver good chunks and an error event in
// one network read; the error must not swallow the content that came before it.
for (const [name, split] of [['in the first read', false], ['after a first chunk', true]] as const) {
  test(`good chunks and an error event in one network read (${name}): the good chunks still come first`, async () => {
    const lines = readChunks('openai', 'text.chunks.txt').slice(0, 3);
    const error = JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error' } });
    const frames = [...lines, error].map((d) => `data: ${d}\n\n`);
    const reads = split ? [frames[0]!, frames.slice(1).join('')] : [frames.join('')];
    fake.handler = () => {
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (i > 0) await received(1); // a second write goes out once the client has the first chunk
          if (i >= reads.length) return c.close();
          c.enqueue(new TextEncoder().encode(reads[i++]));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    };
    const { status, data, res } = await events();
    expect(status).toBe(200);
    expect(data.at(-1)).toBe('[DONE]');
    expect(JSON.parse(data.at(-2)!).error.message).toContain('The server had an error');
    expect(data.slice(0, -2).map((d) => JSON.parse(d).choices[0]?.delta?.content ?? '').join('')).toBe('Hello! How');
    const row = await gw.waitForRow(res);
    expect(row).toMatchObject({ status: 502, errorType: 'upstream_error' });
  });
}

test('silence longer than the idle timeout ends the stream with upstream_timeout and aborts upstream', async () => {
  // The fake goes silent for good, so load can delay the timeout but not prevent it; 1 s leaves
  // the two chunks before the silence plenty of time to arrive.
  const timed = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '1' } });
  try {
    fake.handler = replay('openai', 'text.chunks.txt', { hangAfter: 2 });
    const aborts = fake.aborts;
    const { data } = await events(timed);
    expect(data.at(-1)).toBe('[DONE]');
    expect(JSON.parse(data.at(-2)!).error).toMatchObject({ code: 'upstream_timeout', type: 'api_error' });
    await fake.waitForAbort(aborts + 1);
  } finally {
    await timed.close();
  }
}, 30_000);

test('the openai client raises the error event as an APIError', async () => {
  fake.handler = replay('openai', 'text.chunks.txt', { cutAfter: 2, holdAt: { at: 2, until: received(2) } });
  const stream = await gw.openai().chat.completions.create({
    model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hello' }],
  });
  let count = 0;
  const err = await (async () => {
    for await (const _ of stream) onEvent(++count);
  })().catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
});

test('a client that disconnects mid-stream aborts the upstream request at once', async () => {
  fake.handler = replay('openai', 'text.chunks.txt', { hangAfter: 2 });
  const aborts = fake.aborts;
  const controller = new AbortController();
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: streamBody, signal: controller.signal });
  const reader = res.body!.getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value)).toContain('chat.completion.chunk');
  controller.abort();
  await fake.waitForAbort(aborts + 1);
  const row = await gw.waitForRow(res);
  expect(row.status).toBe(499);
  expect(row.errorType).toBe('client_closed_request');
});

test('a client that disconnects while waiting for headers aborts the upstream too', async () => {
  let sawAbort!: () => void;
  const aborted = new Promise<void>((r) => (sawAbort = r));
  fake.handler = (req) =>
    new Promise<Response>(() => {
      req.signal.addEventListener('abort', () => sawAbort());
    });
  const controller = new AbortController();
  const pending = gw.fetch('/v1/chat/completions', { method: 'POST', body: streamBody, signal: controller.signal }).catch(() => null);
  while (fake.requests.length === 0 || fake.last().body?.stream !== true) await Bun.sleep(10);
  await Bun.sleep(20);
  controller.abort();
  await pending;
  await aborted;
});

test('a stream that fails before its first chunk is a plain 502 (nothing reached the client yet)', async () => {
  fake.handler = replay('openai', 'text.chunks.txt', { cutAfter: 0 });
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: streamBody });
  expect(res.status).toBe(502);
  expect((await res.json()).error.type).toBe('api_error');
});
