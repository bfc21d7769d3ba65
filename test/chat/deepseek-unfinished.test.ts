/**
 * DeepSeek's `finish_reason: "insufficient_system_resource"` (its docs: the request was cut short
 * because its inference system ran out of resources) is not one of OpenAI's finish reasons and
 * does not mean the answer is complete: it is the upstream failing. Clients get an OpenAI error
 * (a retryable failure that falls back like a 503), never the foreign finish reason, and the row
 * and the breaker say so.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let deepseek: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  deepseek = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('deepseek', `${deepseek.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  deepseek.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const failures = () => gw.ctx.breakers.peek('deepseek/deepseek-reasoner')?.failures ?? 0;

/** DeepSeek's recorded stream, its last chunk finishing with insufficient_system_resource. */
function cutChunks(): string[] {
  const chunks = readChunks('deepseek', 'text.chunks.txt');
  const last = JSON.parse(chunks.at(-2)!);
  last.choices[0].finish_reason = 'insufficient_system_resource';
  return [...chunks.slice(0, -2), JSON.stringify(last), '[DONE]'];
}

test('stream: the text, then an OpenAI error chunk instead of the foreign finish reason; a 502 row with the usage; a breaker failure', async () => {
  gw.ctx.breakers.reset();
  deepseek.handler = () => sseResponse(cutChunks());
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'deepseek/deepseek-reasoner', messages: hi, stream: true, stream_options: { include_usage: true } }),
  });
  const text = await res.text();
  expect(text).not.toContain('insufficient_system_resource"');
  const events = text.split('\n\n').filter(Boolean).map((e) => e.slice('data: '.length));
  expect(events.at(-1)).toBe('[DONE]');
  const error = JSON.parse(events.at(-2)!).error;
  expect(error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
  expect(error.message).toContain('insufficient_system_resource');
  const chunks = events.slice(0, -2).map((e) => JSON.parse(e));
  expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello! How can I help?');
  for (const c of chunks) expect(c.choices[0]?.finish_reason ?? null).toBeNull();

  const row = await gw.waitForRow(res);
  expect(row).toMatchObject({ provider: 'deepseek', status: 502, errorType: 'upstream_error', promptTokens: 24, cachedTokens: 16, completionTokens: 58, reasoningTokens: 49 });
  expect(row.costUsd).toBeGreaterThan(0);
  expect(failures()).toBe(1);
});

test('stream through the openai SDK: it throws after the text', async () => {
  deepseek.handler = () => sseResponse(cutChunks());
  const stream = await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: hi, stream: true });
  let text = '';
  const err = await (async () => {
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  })().catch((e) => e);
  expect(text).toBe('Hello! How can I help?');
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.message).toContain('insufficient_system_resource');
});

test('non-stream: a retryable 502 in OpenAI error shape (so a group falls back), not a truncated answer; the row and breaker say so', async () => {
  gw.ctx.breakers.reset();
  const body = fixtureJson('deepseek', 'chat.json');
  body.choices[0].finish_reason = 'insufficient_system_resource';
  deepseek.handler = () => jsonResponse(body);
  const err = await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: hi }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.status).toBe(502);
  expect(err.error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
  expect(err.error.message).toContain('insufficient_system_resource');
  const row = await gw.waitForRow(err.requestID);
  expect(row).toMatchObject({ status: 502, errorType: 'upstream_error' });
  expect(failures()).toBe(1);
});

test('the ordinary finish reasons are untouched', async () => {
  deepseek.handler = () => jsonResponse(fixtureJson('deepseek', 'chat.json'));
  const r = await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: hi });
  expect(r.choices[0]!.finish_reason).toBe('stop');
});
