/**
 * Anthropic's fast mode (`speed: "fast"`) and US-only inference (`inference_geo: "us"`), the way a
 * user meets them: the official @anthropic-ai/sdk (and the openai client, translated) through the
 * real gateway to a fake Anthropic replaying its wire shapes, whose usage says how it ran the
 * request. The row bills what Anthropic bills: every token price, cache reads and writes included,
 * times the model's fast multiplier (6 on Opus 4.6) and US-only multiplier (1.1); a budget reserves
 * for them. The arithmetic is beside each case.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, login, type Session } from '../helpers/admin-harness';
import { limitedClient } from '../limits/limits-helpers';
import { anthropicClient } from '../messages/messages-helpers';
import { anthropicJson, json, queue, sse } from './fake-anthropic';

let fake: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
let session: Session;

beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url } });
  client = anthropicClient(gw);
  session = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const M = 1e6;
/**
 * The fixtures' usage at Opus 4.6's standard prices: 120 input * 5 + 2000 cache reads * 0.5
 * + 400 5-minute writes * 6.25 + 600 1-hour writes * 10 + 50 output * 25.
 */
const OPUS_STANDARD = (120 * 5 + 2000 * 0.5 + 400 * 6.25 + 600 * 10 + 50 * 25) / M;
const ask = { model: 'claude-opus-4-6', max_tokens: 200, messages: [{ role: 'user' as const, content: 'Refactor this to use DI.' }] };

describe('the row bills how Anthropic says it ran the request', () => {
  test('fast and US-only: every price, cache writes and reads too, times 6 and 1.1; the body goes to Anthropic as sent', async () => {
    fake.handler = queue(json('fast-us.json'));
    const { data, response } = await client.messages.create({ ...ask, speed: 'fast', inference_geo: 'us' }).withResponse();
    expect(data.usage).toMatchObject({ speed: 'fast', inference_geo: 'us' });
    expect(fake.last().body).toMatchObject({ speed: 'fast', inference_geo: 'us' });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ provider: 'anthropic', model: 'claude-opus-4-6', promptTokens: 3120, cachedTokens: 2000, cacheWriteTokens: 1000, completionTokens: 50 });
    expect(row.costUsd).toBeCloseTo(OPUS_STANDARD * 6 * 1.1, 12);
  });

  test('a fast stream, run globally: 6x, read off message_start', async () => {
    fake.handler = queue(sse('fast.sse'));
    const stream = client.messages.stream({ ...ask, speed: 'fast' });
    const final = await stream.finalMessage();
    expect(final.usage.speed).toBe('fast');
    const row = await gw.waitForRow(stream.request_id!);
    expect(row).toMatchObject({ stream: true, promptTokens: 3120, cachedTokens: 2000, cacheWriteTokens: 1000, completionTokens: 50 });
    expect(row.costUsd).toBeCloseTo(OPUS_STANDARD * 6, 12);
  });

  test('fast asked but served at standard speed (fast capacity spent): standard prices, as Anthropic bills it', async () => {
    const standard = anthropicJson('fast-us.json');
    standard.usage = { ...standard.usage, speed: 'standard', inference_geo: 'global' };
    fake.handler = queue(() => Response.json(standard));
    const { response } = await client.messages.create({ ...ask, speed: 'fast' }).withResponse();
    const row = await gw.waitForRow(response);
    expect(row.costUsd).toBeCloseTo(OPUS_STANDARD, 12);
  });

  test('US-only by the workspace default, through /v1/chat/completions (translated): 1.1x', async () => {
    const us = anthropicJson('fast-us.json');
    us.usage = { ...us.usage, speed: 'standard' };
    fake.handler = queue(() => Response.json(us));
    const { data, response } = await gw.openai().chat.completions.create({ model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'Refactor this to use DI.' }] }).withResponse();
    expect(data.usage).toMatchObject({ prompt_tokens: 3120, completion_tokens: 50 });
    const row = await gw.waitForRow(response);
    expect(row.costUsd).toBeCloseTo(OPUS_STANDARD * 1.1, 12);
  });
});

describe('budgets reserve for fast mode and US-only inference', () => {
  test('a budget that holds a standard request sends the same one asked fast a sixth of the output (max_tokens is a ceiling on /v1/messages)', async () => {
    const key = await limitedClient(gw, 'fast-budget', { budgetUsd: 0.1, budgetPeriod: 'month' });
    const limited = anthropicClient(gw, key.key);
    const body = { ...ask, max_tokens: 1_000 };
    // Anthropic answers fast and US-only, writing every token it may; the prompt is as small as the body.
    fake.handler = (_req, rec) => {
      const answer = anthropicJson('fast-us.json');
      answer.usage = { ...answer.usage, input_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 }, output_tokens: rec.body.max_tokens };
      return Response.json({ ...answer, stop_reason: 'max_tokens' });
    };
    try {
      // Fast: ~1,000 output tokens at $25/M times 6 and 1.1 (~$0.17) is beyond $0.1; the request
      // reserves half of it, $0.05 (a cut request leaves the rest to one beside it), which holds
      // ~300 of them (less the prompt at the dearest write rate): sent that, answered, cut.
      const { data, response } = await limited.messages.create({ ...body, speed: 'fast' }).withResponse();
      const cap = fake.last().body.max_tokens;
      expect(cap).toBeGreaterThan(200);
      expect(cap).toBeLessThan(0.05 / (25 * 6 * 1.1) * M);
      expect(data.stop_reason).toBe('max_tokens');
      const row = await gw.waitForRow(response);
      expect(row.costUsd).toBeLessThanOrEqual(0.05);
      expect(row.costUsd).toBeGreaterThan(0.04);
    } finally {
      fake.handler = () => Response.json({ type: 'error', error: { type: 'api_error', message: 'fake: no reply queued' } }, { status: 500 });
    }
    // Standard (~$0.03 with the same prompt, within the budget): sent as asked, its whole worst case reserved. A fresh key.
    const other = await limitedClient(gw, 'standard-budget', { budgetUsd: 0.1, budgetPeriod: 'month' });
    const standard = anthropicJson('fast-us.json');
    standard.usage = { ...standard.usage, speed: 'standard', inference_geo: 'global' };
    fake.handler = queue(() => Response.json(standard));
    expect((await anthropicClient(gw, other.key).messages.create(body)).content[0]).toMatchObject({ type: 'text' });
    expect(fake.last().body.max_tokens).toBe(1_000);
  });
});

describe('the multipliers are prices an admin reads and edits', () => {
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${gw.url}${path}`, { ...init, headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' } });

  test('GET and PATCH /api/models/{id}: fast_price_multiplier and us_inference_price_multiplier', async () => {
    expect(await (await admin('/api/models/claude-opus-4-6')).json()).toMatchObject({ fast_price_multiplier: 6, us_inference_price_multiplier: 1.1 });
    expect(await (await admin('/api/models/claude-haiku-4-5')).json()).toMatchObject({ fast_price_multiplier: null, us_inference_price_multiplier: null });
    const patched = await admin('/api/models/claude-opus-4-7', { method: 'PATCH', body: JSON.stringify({ fast_price_multiplier: 2 }) });
    expect(await patched.json()).toMatchObject({ fast_price_multiplier: 2, us_inference_price_multiplier: 1.1 });
    const bad = await admin('/api/models/claude-opus-4-7', { method: 'PATCH', body: JSON.stringify({ us_inference_price_multiplier: -1 }) });
    expect(bad.status).toBe(400);
  });

  test('the Models page shows them under the model and edits them', async () => {
    const signIn = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD }), redirect: 'manual' });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${gw.url}/models?provider=anthropic`, { headers: { cookie } })).text();
    expect(page).toContain('fast ×6, US-only ×1.1');
    expect(page).toContain('name="fast_price_multiplier" value="6"');
    expect(page).toContain('name="us_inference_price_multiplier" value="1.1"');
  });
});
