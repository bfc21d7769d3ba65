/**
 * xAI's and Moonshot's own refusals through the real gateway, with the official openai and
 * Anthropic clients against fakes answering their recorded bodies: xAI's bad key (a 400, not a
 * 401), its team out of credit (429, or 403), its content refusal (403), and Moonshot's content
 * filter (400 type `content_filter`). Each request leaves one row, found by its x-request-id.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { OUT_OF_CREDIT_COOLDOWN_MS, ProviderKeyPool } from '../../src/key-pool/key-pool';
import { DEFAULT_COOLDOWN_MS } from '../../src/key-pool/retry-after';
import { jsonResponse, okCompletion, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const clock = { now: 1_800_000_000_000 };
let xai: FakeUpstream;
let moonshot: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  xai = startFakeUpstream();
  moonshot = startFakeUpstream();
  openai = startFakeUpstream(() => okCompletion('gpt-4o-mini'));
  gw = await startGateway({
    env: { ...providerEnv('grok', `${xai.url}/v1`), ...providerEnv('moonshot', `${moonshot.url}/v1`), ...providerEnv('openai', `${openai.url}/v1`) },
  });
  gw.ctx.db.insert(modelGroups).values({ name: 'grok-first', strategy: 'heuristic', targets: ['grok/grok-4', 'openai/gpt-4o-mini'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw?.close();
  for (const f of [xai, moonshot, openai]) f?.close();
});
beforeEach(() => {
  gw.ctx.keyPool = new ProviderKeyPool(undefined, () => clock.now);
  gw.ctx.breakers.reset();
  for (const f of [xai, moonshot, openai]) f.requests.length = 0;
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const grokKey = () => gw.ctx.state.getSnapshot().providers.get('grok')!.keys![0]!; // the env key (its state under its own slot)
const anthropic = () => new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
const chat = (model: string, stream = false) => gw.openai().chat.completions.create({ model, messages: hi, stream }).catch((e) => e);
const rowOf = (err: any) => gw.waitForRow(err.headers.get('x-request-id'));

// xAI's bodies: `{"code": <gRPC status in words>, "error": <message>}`.
const badKey = { code: 'Client specified an invalid argument', error: 'Incorrect API key provided: sk***89. You can obtain an API key from https://console.x.ai.' };
const noCredit = (code: string) => ({
  code,
  error: 'Your team 16f2151a-40f4-4a80-8ad0-cae00c27e8dd has either used all available credits or reached its monthly spending limit. To continue making API requests, please purchase more credits or raise your spending limit.',
});
const blocked = {
  code: 'The caller does not have permission to execute the specified operation',
  error: 'Content violates usage guidelines. Team: 16f2151a-40f4-4a80-8ad0-cae00c27e8dd, API key ID: 0b3c9e1a, Model: grok-4, Failed check: SAFETY_CHECK_TYPE_BIO',
};

test("xAI's 400 'Incorrect API key provided' is the gateway's key refused, not the client's bad request: 502 upstream_auth_failed, key set aside, a group goes on", async () => {
  xai.handler = () => jsonResponse(badKey, 400);
  const err = await chat('grok/grok-4');
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect([err.status, err.error.code, err.headers.get('x-should-retry')]).toEqual([502, 'upstream_auth_failed', 'false']);
  expect(err.message).toContain('Incorrect API key provided');
  expect(await rowOf(err)).toMatchObject({ provider: 'grok', status: 502, errorType: 'upstream_auth_failed' });
  expect(gw.ctx.keyPool.stateOf('grok', grokKey()).state).toBe('set_aside');

  const { data, response } = await gw.openai().chat.completions.create({ model: 'grok-first', messages: hi }).withResponse();
  expect(data.choices[0]!.message.content).toBe('ok');
  const row = await gw.waitForRow(response);
  expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['grok', 502], ['openai', 200]]);
});

test("xAI's 429 'Your team ... used all available credits' is an account out of credit, not a rate limit: insufficient_quota, not retried, the key rests", async () => {
  xai.handler = () => jsonResponse(noCredit('Some resource has been exhausted'), 429);
  for (const stream of [false, true]) {
    gw.ctx.keyPool = new ProviderKeyPool(undefined, () => clock.now);
    const err = await chat('grok/grok-4', stream);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect([err.error.code, err.error.type, err.headers.get('x-should-retry')]).toEqual(['insufficient_quota', 'insufficient_quota', 'false']);
    expect(await rowOf(err)).toMatchObject({ status: 429, errorType: 'insufficient_quota', stream });
    expect(gw.ctx.keyPool.stateOf('grok', grokKey())).toEqual({ state: 'cooling', until: clock.now + OUT_OF_CREDIT_COOLDOWN_MS });
  }
});

test("xAI's 403 for a team out of credit is not a refused key: 402 insufficient_quota (Anthropic's billing_error), the key rests, a group goes on", async () => {
  xai.handler = () => jsonResponse(noCredit('The caller does not have permission to execute the specified operation'), 403);
  const err = await chat('grok/grok-4');
  expect([err.status, err.error.code, err.headers.get('x-should-retry')]).toEqual([402, 'insufficient_quota', 'false']);
  expect(await rowOf(err)).toMatchObject({ status: 402, errorType: 'insufficient_quota' });
  expect(gw.ctx.keyPool.stateOf('grok', grokKey())).toEqual({ state: 'cooling', until: clock.now + OUT_OF_CREDIT_COOLDOWN_MS });

  const msgErr = await anthropic().messages.create({ model: 'grok/grok-4', max_tokens: 64, messages: hi }).catch((e) => e);
  expect([msgErr.status, msgErr.error?.error?.type]).toEqual([402, 'billing_error']);
  expect((await rowOf(msgErr)).status).toBe(402);

  gw.ctx.keyPool = new ProviderKeyPool(undefined, () => clock.now);
  const { data } = await gw.openai().chat.completions.create({ model: 'grok-first', messages: hi }).withResponse();
  expect(data.choices[0]!.message.content).toBe('ok');
});

test("xAI's 403 'Content violates usage guidelines' is the client's content refused: 400 content_policy_violation, the key untouched, no other target tried", async () => {
  xai.handler = () => jsonResponse(blocked, 403);
  for (const model of ['grok/grok-4', 'grok-first']) {
    const err = await chat(model);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect([err.error.code, err.error.type]).toEqual(['content_policy_violation', 'invalid_request_error']);
    expect(err.message).toContain('Content violates usage guidelines');
    expect(await rowOf(err)).toMatchObject({ status: 400, errorType: 'content_policy_violation' });
  }
  expect(openai.requests.length).toBe(0);
  expect(gw.ctx.keyPool.stateOf('grok', grokKey()).state).toBe('active');
  const msgErr = await anthropic().messages.create({ model: 'grok/grok-4', max_tokens: 64, messages: hi }).catch((e) => e);
  expect([msgErr.status, msgErr.error?.error?.type]).toEqual([400, 'invalid_request_error']);
});

test("any other xAI 400 stays the client's: its words, the key active", async () => {
  xai.handler = () => jsonResponse({ code: 'Client specified an invalid argument', error: 'Invalid request content: messages must not be empty.' }, 400);
  const err = await chat('grok/grok-4');
  expect([err.status, err.error.code]).toEqual([400, 'upstream_error']);
  expect(gw.ctx.keyPool.stateOf('grok', grokKey()).state).toBe('active');
});

test("Moonshot's 400 type content_filter ('considered high risk') is content_policy_violation, stream or not", async () => {
  moonshot.handler = () => jsonResponse({ error: { type: 'content_filter', message: 'The request was rejected because it was considered high risk' } }, 400);
  for (const stream of [false, true]) {
    const err = await chat('moonshot/kimi-k2-0905-preview', stream);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error.code).toBe('content_policy_violation');
    expect(err.message).toContain('considered high risk');
    expect(await rowOf(err)).toMatchObject({ provider: 'moonshot', status: 400, errorType: 'content_policy_violation' });
  }
});

test("Moonshot's 429 engine_overloaded_error is Kimi busy, not the key's rate limit: 502 (Anthropic's 529), no key rests, no wait invented; its rate_limit_reached_error stays a rate limit", async () => {
  const kimiKey = () => gw.ctx.state.getSnapshot().providers.get('moonshot')!.keys![0]!;
  moonshot.handler = () => jsonResponse({ error: { type: 'engine_overloaded_error', message: 'The engine is currently overloaded, please try again later' } }, 429);
  const err = await chat('moonshot/kimi-k2.6', true);
  expect([err.status, err.error.code, err.headers.get('retry-after')]).toEqual([502, 'upstream_error', null]);
  expect(err.message).toContain('currently overloaded');
  expect(await rowOf(err)).toMatchObject({ provider: 'moonshot', status: 502 });
  expect(gw.ctx.keyPool.stateOf('moonshot', kimiKey()).state).toBe('active');
  const msgErr = await anthropic().messages.create({ model: 'moonshot/kimi-k2.6', max_tokens: 64, messages: hi }).catch((e) => e);
  expect([msgErr.status, msgErr.error?.error?.type]).toEqual([529, 'overloaded_error']);
  expect((await rowOf(msgErr)).status).toBe(529);

  moonshot.handler = () =>
    jsonResponse({ error: { type: 'rate_limit_reached_error', message: 'Your account org-8a1c<ak-f0e1> request reached organization max RPM: 3, please try again after 1 seconds' } }, 429);
  const limited = await chat('moonshot/kimi-k2.6');
  expect([limited.status, limited.error.code]).toEqual([429, 'rate_limit_exceeded']);
  expect(gw.ctx.keyPool.stateOf('moonshot', kimiKey()).state).toBe('cooling');
});

test("/v1/responses passed through to xAI's own Responses API reads the same bodies: a bad key, a team out of credit, a content refusal", async () => {
  const cases: [number, unknown, number, string][] = [
    [400, badKey, 502, 'upstream_auth_failed'],
    [403, noCredit('permission-denied'), 402, 'insufficient_quota'],
    [403, blocked, 400, 'content_policy_violation'],
  ];
  for (const [status, body, clientStatus, code] of cases) {
    gw.ctx.keyPool = new ProviderKeyPool(undefined, () => clock.now);
    xai.handler = () => jsonResponse(body, status);
    const err = await gw.openai().responses.create({ model: 'grok/grok-4', input: 'Hello' }).catch((e) => e);
    expect(xai.last().path).toBe('/v1/responses');
    expect([err.status, err.error?.code]).toEqual([clientStatus, code]);
    expect(await rowOf(err)).toMatchObject({ provider: 'grok', status: clientStatus, errorType: code });
  }
});

test("xAI's limits count per model: its 429 on grok-4 rests the key for grok-4 only, grok-3-mini goes on with it", async () => {
  xai.handler = (_req, rec) =>
    rec.body?.model === 'grok-4' ? jsonResponse({ code: 'Some resource has been exhausted', error: 'Rate limit exceeded' }, 429) : okCompletion('grok-3-mini');
  const err = await chat('grok/grok-4');
  expect([err.status, err.error.code]).toEqual([429, 'rate_limit_exceeded']);
  expect(gw.ctx.keyPool.stateOf('grok', grokKey(), 'grok-4')).toEqual({ state: 'cooling', until: clock.now + DEFAULT_COOLDOWN_MS });
  expect(gw.ctx.keyPool.stateOf('grok', grokKey(), 'grok-3-mini').state).toBe('active');
  const { data } = await gw.openai().chat.completions.create({ model: 'grok/grok-3-mini', messages: hi }).withResponse();
  expect(data.choices[0]!.message.content).toBe('ok');
});

test("xAI's 429 'The service is temporarily at capacity' is xAI busy, not the team's rate limit: 502 (Anthropic's 529), the key rests for no model", async () => {
  xai.handler = () => jsonResponse({ code: 'Some resource has been exhausted', error: 'The service is temporarily at capacity. Please retry your request shortly.' }, 429);
  const err = await chat('grok/grok-4');
  expect([err.status, err.error.code, err.headers.get('retry-after')]).toEqual([502, 'upstream_error', null]);
  expect(gw.ctx.keyPool.stateOf('grok', grokKey(), 'grok-4').state).toBe('active');
  const msgErr = await anthropic().messages.create({ model: 'grok/grok-4', max_tokens: 64, messages: hi }).catch((e) => e);
  expect([msgErr.status, msgErr.error?.error?.type]).toEqual([529, 'overloaded_error']);
  expect((await rowOf(msgErr)).status).toBe(529);
});
