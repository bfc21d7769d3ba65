/**
 * Gemini streams that fail after they started (an `error` event of Gemini's own, a stream that
 * stops before any finishReason), through the real gateway: the client sees OpenAI's error chunk
 * and [DONE] as before, and the request's row and the circuit breaker see a failure, as for any
 * other provider's broken stream.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { FakeGemini } from './fake-gemini';
import { fixtureLines, fixtureSse } from './helpers';

let fake: FakeGemini;
let gw: TestGateway;

beforeAll(async () => {
  fake = new FakeGemini();
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'AIzaSyFAKE-stream-errors-0123456789' } });
});

afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const failures = () => gw.ctx.breakers.peek('gemini/gemini-2.5-flash')?.failures ?? 0;
const payloads = (text: string) => text.split('\n\n').filter((e) => e.length).map((e) => e.slice('data: '.length));
const OVERLOADED = 'Gemini: The model is overloaded. Please try again later. (UNAVAILABLE)';

test('an error event mid-stream: the same error chunk and [DONE] to the client; the row is a 502 with the error; the breaker counts a failure', async () => {
  gw.ctx.breakers.reset();
  fake.replySse('error-midstream.chunks.txt');
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'story' }], stream: true }),
  });
  expect(res.status).toBe(200);
  const events = payloads(await res.text());
  expect(JSON.parse(events[0]!).choices[0].delta).toEqual({ role: 'assistant', content: 'Once upon a time' });
  expect(JSON.parse(events[1]!)).toEqual({ error: { message: OVERLOADED, type: 'api_error', param: null, code: 'upstream_error' } });
  expect(events.slice(2)).toEqual(['[DONE]']);

  const row = await gw.waitForRow(res);
  expect(row).toMatchObject({ provider: 'gemini', stream: true, status: 502, errorType: 'upstream_error', promptTokens: 8, completionTokens: 4 });
  expect(row.error).toContain('overloaded');
  expect(failures()).toBe(1);
});

test('the openai SDK: the stream throws the error after the text; the row carries it', async () => {
  gw.ctx.breakers.reset();
  fake.replySse('error-midstream.chunks.txt');
  const { data: stream, response } = await gw
    .openai()
    .chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'story' }], stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let text = '';
  const err = await (async () => {
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  })().catch((e) => e);
  expect(text).toBe('Once upon a time');
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.message).toContain('overloaded');
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 502, errorType: 'upstream_error' });
  expect(failures()).toBe(1);
});

test('a stream that stops before any finishReason: error chunk to the client, a 502 row, a breaker failure', async () => {
  gw.ctx.breakers.reset();
  fake.reply({ sse: fixtureLines('text.chunks.txt').slice(0, 2).map((l) => `data: ${l}\r\n\r\n`).join('') });
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'count' }], stream: true }),
  });
  const events = payloads(await res.text());
  expect(JSON.parse(events.at(-2)!).error).toEqual({
    message: 'Gemini: the stream ended before the response was complete.', type: 'api_error', param: null, code: 'upstream_error',
  });
  expect(events.at(-1)).toBe('[DONE]');
  const row = await gw.waitForRow(res);
  expect(row).toMatchObject({ status: 502, errorType: 'upstream_error' });
  expect(row.error).toContain('ended before');
  expect(failures()).toBe(1);
});

test('bridged /v1/responses: the stream ends with response.failed and the row is a 502', async () => {
  gw.ctx.breakers.reset();
  fake.replySse('error-midstream.chunks.txt');
  const res = await gw.fetch('/v1/responses', {
    method: 'POST',
    body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', input: 'story', stream: true }),
  });
  const text = await res.text();
  expect(text).toContain('Once upon a time');
  expect(text).toContain('overloaded');
  const row = await gw.waitForRow(res);
  expect(row).toMatchObject({ endpoint: 'responses', provider: 'gemini', status: 502, errorType: 'upstream_error' });
  expect(row.error).toContain('overloaded');
  expect(failures()).toBe(1);
});

test('an error as the first event (nothing sent yet) is a plain HTTP error, not a 200 stream, and its row says so', async () => {
  gw.ctx.breakers.reset();
  fake.reply({ sse: fixtureSse('error-midstream.chunks.txt').split('\r\n\r\n')[1] + '\r\n\r\n' });
  const err = await gw
    .openai()
    .chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'story' }], stream: true })
    .catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.status).toBe(502);
  expect(err.error).toEqual({ message: OVERLOADED, type: 'api_error', param: null, code: 'upstream_error' });
  const row = await gw.waitForRow(err.requestID);
  expect(row).toMatchObject({ status: 502, errorType: 'upstream_error' });
  expect(failures()).toBe(1);
});

test('a stream cut inside its last event (no blank line after it): that event still reaches the client before the error', async () => {
  gw.ctx.breakers.reset();
  const [first, second] = fixtureLines('text.chunks.txt');
  // Everything in one read, the second event unterminated: it is read at the end of the body.
  fake.reply({ raw: `data: ${first}\r\n\r\ndata: ${second}`, status: 200 });
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'count' }], stream: true }),
  });
  const events = payloads(await res.text());
  const content = events.slice(0, -2).map((e) => JSON.parse(e).choices[0].delta.content ?? '').join('');
  expect(content).toBe(JSON.parse(second!).candidates[0].content.parts[0].text);
  expect(JSON.parse(events.at(-2)!).error.message).toContain('ended before');
  expect(events.at(-1)).toBe('[DONE]');
  expect((await gw.waitForRow(res)).status).toBe(502);
});
