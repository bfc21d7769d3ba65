/**
 * Google's own error shapes through the real gateway, driven by the official openai and Anthropic
 * clients against the fake Gemini: a refused key, which Google answers with 400 INVALID_ARGUMENT
 * (ErrorInfo reason API_KEY_INVALID) instead of a 401, and a 429 RESOURCE_EXHAUSTED that arrives as
 * the error event of a 200 stream, with its wait in a RetryInfo detail, and a refusal of where the
 * gateway runs (400 FAILED_PRECONDITION), and the 499 CANCELLED its backend answers under load. Each request leaves one
 * row, found by its x-request-id.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { FakeGemini } from './fake-gemini';
import { fixtureJson } from './helpers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const G1 = 'AIzaSyFAKE-google-errors-key-1111';
const G2 = 'AIzaSyFAKE-google-errors-key-2222';
const clock = { now: 1_800_000_000_000 };
let fake: FakeGemini;
let gw: TestGateway;

beforeAll(async () => {
  fake = new FakeGemini();
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: G1 } });
});

afterAll(async () => {
  await gw?.close();
  fake?.close();
});

beforeEach(() => {
  gw.ctx.keyPool = new ProviderKeyPool(undefined, () => clock.now);
  gw.ctx.breakers.reset();
});

const hi = [{ role: 'user' as const, content: 'Say hello' }];
/** Google's answer to a key it does not take (the recorded fixture): HTTP 400, not 401. */
const keyInvalid = () => ({ json: fixtureJson('error-400.json'), status: 400 });
const keyIds = () => gw.ctx.state.getSnapshot().providers.get('gemini')!.keys!; // the keys (the env key's state is under its own slot)
const anthropic = () => new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });

test("a refused key (Google's 400 API_KEY_INVALID) is the gateway's credentials failing, not the client's bad request: 502 upstream_auth_failed, not retried", async () => {
  fake.reply(keyInvalid());
  const err = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.status).toBe(502);
  expect(err.error).toMatchObject({ type: 'api_error', code: 'upstream_auth_failed' });
  expect(err.message).toContain('API key not valid');
  expect(err.headers.get('x-should-retry')).toBe('false');
  expect(JSON.stringify(err.error)).not.toContain(G1);
  const row = await gw.waitForRow(err.headers.get('x-request-id'));
  expect(row).toMatchObject({ provider: 'gemini', status: 502, errorType: 'upstream_auth_failed' });
  expect(gw.ctx.keyPool.stateOf('gemini', keyIds()[0]!).state).toBe('set_aside');

  // The Anthropic dialect: an api_error, not an invalid_request_error.
  fake.reply(keyInvalid());
  const msgErr = await anthropic().messages.create({ model: 'gemini/gemini-2.5-flash', max_tokens: 64, messages: hi }).catch((e) => e);
  expect(msgErr).toBeInstanceOf(Anthropic.APIError);
  expect(msgErr.status).toBe(502);
  expect(msgErr.error.error.type).toBe('api_error');
  expect((await gw.waitForRow(msgErr.headers.get('x-request-id'))).status).toBe(502);
});

/** A quota refusal as the one event of a 200 stream, its wait in RetryInfo. */
const quotaEvent = () => ({
  sse: `data: ${JSON.stringify({
    error: {
      code: 429,
      message: 'Resource has been exhausted (e.g. check quota).',
      status: 'RESOURCE_EXHAUSTED',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '8.2s' }],
    },
  })}\r\n\r\n`,
});

test("a 429 inside a 200 stream, before anything was sent, is the rate limit the same HTTP 429 is: rate_limit_exceeded, RetryInfo's wait as retry-after, the key rests that long", async () => {
  fake.reply(quotaEvent());
  const err = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi, stream: true }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect(err.error).toMatchObject({ code: 'rate_limit_exceeded' });
  expect(err.headers.get('retry-after')).toBe('9');
  expect(err.message).toContain('Resource has been exhausted');
  const row = await gw.waitForRow(err.headers.get('x-request-id'));
  expect(row).toMatchObject({ status: 429, errorType: 'rate_limit_exceeded' });
  expect(gw.ctx.keyPool.stateOf('gemini', keyIds()[0]!, 'gemini-2.5-flash')).toEqual({ state: 'cooling', until: clock.now + 9_000 });

  gw.ctx.keyPool = new ProviderKeyPool(undefined, () => clock.now);
  fake.reply(quotaEvent());
  const res = await gw.fetch('/v1/messages', {
    method: 'POST',
    headers: { 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', max_tokens: 64, messages: hi, stream: true }),
  });
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('9');
  expect(((await res.json()) as any).error.type).toBe('rate_limit_error');
  expect(await gw.waitForRow(res)).toMatchObject({ status: 429, errorType: 'rate_limit_exceeded' });
});

test("Google refusing where the gateway runs (400 FAILED_PRECONDITION, 'User location is not supported') is the operator's to fix: 502 upstream_region_refused, not retried, the key not set aside", async () => {
  const region = { json: { error: { code: 400, message: 'User location is not supported for the API use.', status: 'FAILED_PRECONDITION' } }, status: 400 };
  fake.reply(region);
  const err = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.status).toBe(502);
  expect(err.error).toMatchObject({ type: 'api_error', code: 'upstream_region_refused' });
  expect(err.message).toContain('User location is not supported');
  expect(err.headers.get('x-should-retry')).toBe('false');
  expect(await gw.waitForRow(err.headers.get('x-request-id'))).toMatchObject({ provider: 'gemini', status: 502, errorType: 'upstream_region_refused' });
  expect(gw.ctx.keyPool.stateOf('gemini', keyIds()[0]!).state).toBe('active');
  // A 400 FAILED_PRECONDITION about the request itself stays the client's 400.
  fake.reply({ json: { error: { code: 400, message: 'Function calling with a response mime type is unsupported.', status: 'FAILED_PRECONDITION' } }, status: 400 });
  const own = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi }).catch((e) => e);
  expect(own.status).toBe(400);
});

test('a 401 or 403 named in a 200 stream\'s error event is the gateway\'s key refused: the client is told 502, never its own key refused', async () => {
  for (const code of [401, 403]) {
    fake.reply({ sse: `data: ${JSON.stringify({ error: { code, message: 'Method doesn\'t allow unregistered callers.', status: code === 401 ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED' } })}\r\n\r\n` });
    const err = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi, stream: true }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).not.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.status).toBe(502);
    expect((await gw.waitForRow(err.headers.get('x-request-id'))).status).toBe(502);
  }
});

test("Google's 499 CANCELLED ('The operation was cancelled.', its backend giving up under load) is the 502 a backend error is, which SDKs retry: not a 499 blaming the client, nor a row that reads as a client that left", async () => {
  const cancelled = { error: { code: 499, message: 'The operation was cancelled.', errors: [{ message: 'The operation was cancelled.', domain: 'global', reason: 'backendError' }], status: 'CANCELLED' } };
  // Over HTTP (array-wrapped, as Google sends it) and as the error event of a 200 stream.
  for (const stream of [false, true]) {
    fake.reply(stream ? { sse: `data: ${JSON.stringify(cancelled)}\r\n\r\n` } : { raw: JSON.stringify([cancelled]), status: 499 });
    const err = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi, stream }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
    expect(err.message).toContain('The operation was cancelled.');
    expect(await gw.waitForRow(err.headers.get('x-request-id'))).toMatchObject({ provider: 'gemini', status: 502, errorType: 'upstream_error' });
  }
  expect(gw.ctx.keyPool.stateOf('gemini', keyIds()[0]!, 'gemini-2.5-flash').state).toBe('active');
  // Anthropic's client gets its api_error; the openai client's own retry gets the answer.
  fake.reply({ raw: JSON.stringify([cancelled]), status: 499 });
  const anth = await anthropic().messages.create({ model: 'gemini/gemini-2.5-flash', max_tokens: 64, messages: hi }).catch((e) => e);
  expect(anth).toBeInstanceOf(Anthropic.InternalServerError);
  expect(anth.error.error).toMatchObject({ type: 'api_error' });
  fake.reply({ raw: JSON.stringify([cancelled]), status: 499 }, { json: fixtureJson('text.json') });
  const retrying = new OpenAI({ apiKey: gw.clientKey, baseURL: `${gw.url}/v1`, maxRetries: 1 });
  const done = await retrying.chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi });
  expect(done.choices[0]!.finish_reason).toBe('stop');
});

test("Google's front end answering with its HTML error page (502 'That’s an error.'): the client is told the page's words, not its markup and style sheet", async () => {
  const page = readFileSync(join(import.meta.dir, '..', 'fixtures', 'gemini', 'error-502-gfe.html'), 'utf8');
  for (const stream of [false, true]) {
    fake.reply({ raw: page, status: 502 });
    const err = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi, stream }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
    expect(err.message).toContain('Error 502 (Server Error)!!1 502. That’s an error. The server encountered a temporary error and could not complete your request. Please try again in 30 seconds.');
    expect(err.message).not.toMatch(/[<>{}]/);
    const row = await gw.waitForRow(err.headers.get('x-request-id'));
    expect(row).toMatchObject({ provider: 'gemini', status: 502, errorType: 'upstream_error' });
    expect(row.error).toContain('The server encountered a temporary error');
  }
  // Anthropic's client: its api_error, with the same words.
  fake.reply({ raw: page, status: 502 });
  const anth = await anthropic().messages.create({ model: 'gemini/gemini-2.5-flash', max_tokens: 64, messages: hi }).catch((e) => e);
  expect(anth.error.error.message).toContain('The server encountered a temporary error');
});

test('with a second key, the refused one is set aside and the request is answered with the other', async () => {
  await addProviderKey(gw.ctx, 'gemini', { key: G2, label: 'two' });
  fake.requests.length = 0;
  fake.reply(keyInvalid(), { json: fixtureJson('text.json') });
  const { data, response } = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi }).withResponse();
  expect(data.choices[0]!.finish_reason).toBe('stop');
  const [refused, answered] = fake.requests.map((r) => r.headers['x-goog-api-key']);
  expect(refused).not.toBe(answered);
  const byKey = new Map(gw.ctx.state.getSnapshot().providers.get('gemini')!.keys!.map((k) => [k.apiKey, k]));
  expect(gw.ctx.keyPool.stateOf('gemini', byKey.get(refused!)!).state).toBe('set_aside');
  expect(gw.ctx.keyPool.stateOf('gemini', byKey.get(answered!)!).state).toBe('active');
  const row = await gw.waitForRow(response);
  expect(row.status).toBe(200);
  expect(JSON.parse(row.attempts!).map((a: any) => a.status)).toEqual([502, 200]);
});
