/** Failures after the first byte: error event + [DONE], never a dropped socket; client aborts reach upstream. */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { SseParser } from '../../src/providers/shared/sse-parser';
import { createBreakerRegistry } from '../../src/routing';
import type { CircuitBreakers } from '../../src/routing/circuit-breaker';
import { readChunks, replay, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({
    env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '0.4' },
    // Every test here fails the same upstream on purpose; keep its circuit out of the way.
    breakers: createBreakerRegistry({ failureThreshold: 1_000 }),
  });
});
// Mid-stream failures count against the breaker: five in this file would open the circuit.
beforeEach(() => (gw.ctx.breakers as CircuitBreakers).reset());
afterAll(async () => {
  await gw.close();
  fake.close();
});

const streamBody = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hello' }] });

/** Posts a streaming request and returns the SSE data payloads the client received. */
async function events(): Promise<{ status: number; data: string[] }> {
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: streamBody });
  const data: string[] = [];
  const parser = new SseParser((e) => data.push(e.data));
  parser.push(await res.text());
  parser.end();
  return { status: res.status, data };
}

// Fakes pause between chunks (delayMs) so the first chunk reaches the client before the failure:
// a failure before that is answered as a plain HTTP error instead (or a fallback).
test('an upstream cut mid-stream ends with an error event and [DONE]', async () => {
  fake.handler = replay('openai', 'text.chunks.txt', { cutAfter: 3, delayMs: 30 });
  const before = gw.logs.length;
  const { status, data } = await events();
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
  const row = (await gw.waitForLogs(before + 1)).at(-1)!;
  expect(row.status).toBe(502);
  expect(row.estimated).toBe(true);
  expect(row.completionTokens).toBeGreaterThan(0);
  expect(row.promptTokens).toBeGreaterThan(0);
});

test('a stream that stops without [DONE] or a finish reason counts as cut', async () => {
  const lines = readChunks('openai', 'text.chunks.txt').slice(0, 3);
  fake.handler = () => sseResponse(lines, { delayMs: 30 });
  const { data } = await events();
  expect(data.at(-1)).toBe('[DONE]');
  expect(JSON.parse(data.at(-2)!).error.type).toBe('api_error');
});

test('an error event from the upstream mid-stream is relayed as the gateway error event', async () => {
  const lines = readChunks('openai', 'text.chunks.txt').slice(0, 2);
  fake.handler = () => sseResponse([...lines, JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error' } })], { delayMs: 30 });
  const { data } = await events();
  expect(data.at(-1)).toBe('[DONE]');
  expect(JSON.parse(data.at(-2)!).error.message).toContain('The server had an error');
});

test('silence longer than the idle timeout ends the stream with upstream_timeout and aborts upstream', async () => {
  fake.handler = replay('openai', 'text.chunks.txt', { hangAfter: 2 });
  const aborts = fake.aborts;
  const { data } = await events();
  expect(data.at(-1)).toBe('[DONE]');
  expect(JSON.parse(data.at(-2)!).error).toMatchObject({ code: 'upstream_timeout', type: 'api_error' });
  await fake.waitForAbort(aborts + 1);
});

test('the openai client raises the error event as an APIError', async () => {
  fake.handler = replay('openai', 'text.chunks.txt', { cutAfter: 2, delayMs: 30 });
  const stream = await gw.openai().chat.completions.create({
    model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hello' }],
  });
  const err = await (async () => {
    for await (const _ of stream);
  })().catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
});

test('a client that disconnects mid-stream aborts the upstream request at once', async () => {
  fake.handler = replay('openai', 'text.chunks.txt', { hangAfter: 2 });
  const aborts = fake.aborts;
  const before = gw.logs.length;
  const controller = new AbortController();
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: streamBody, signal: controller.signal });
  const reader = res.body!.getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value)).toContain('chat.completion.chunk');
  controller.abort();
  await fake.waitForAbort(aborts + 1);
  const row = (await gw.waitForLogs(before + 1)).at(-1)!;
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
