/**
 * Long-context tiers through the real gateway and log writer: upstreams report a 250,000-token
 * prompt, and the log row (found by the answer's x-request-id) bills the whole request at the
 * seeded models' tier prices (see test/usage/long-context-cost.test.ts for the prices), and a
 * pass-through Claude Sonnet 4 at the tier Anthropic lists for it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, apiLogRow, login, type Session } from '../helpers/admin-harness';

let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
let admin: Session;

/** Anthropic: 190,000 uncached + 50,000 cache read + 10,000 cache write = a 250,000-token prompt. */
const claudeReply = () => ({
  ...fixtureJson('anthropic', 'cache-write.json'),
  usage: {
    input_tokens: 190_000, cache_read_input_tokens: 50_000, cache_creation_input_tokens: 10_000,
    cache_creation: { ephemeral_5m_input_tokens: 10_000, ephemeral_1h_input_tokens: 0 }, output_tokens: 1_000,
  },
});
/** Gemini: a 250,000-token prompt of which 20,000 cached; 1,500 answer + 500 thinking tokens. */
const geminiReply = () => ({
  ...fixtureJson('gemini', 'text.json'),
  usageMetadata: { promptTokenCount: 250_000, cachedContentTokenCount: 20_000, candidatesTokenCount: 1_500, thoughtsTokenCount: 500, totalTokenCount: 252_000 },
});

const defaultHandler = (req: Request) => jsonResponse(new URL(req.url).pathname.startsWith('/v1beta/') ? geminiReply() : claudeReply());

beforeAll(async () => {
  fake = startFakeUpstream(defaultHandler);
  gw = await startGateway({
    env: {
      ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url,
      GEMINI_API_KEY: 'gm-test-0123456789', LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url,
    },
    // The real log writer, so the rows read are the ones operators read through /api/logs.
    storeLogs: true,
  });
  client = gw.openai();
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const logRow = (requestId: string) => apiLogRow(gw, admin, requestId);

test('claude-sonnet-4-5 with a 250,000-token prompt: every token at the tier (input 6, read 0.6, write 7.5, output 22.5)', async () => {
  const { response } = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Summarise the contract.' }] }).withResponse();
  const row = await logRow(response.headers.get('x-request-id')!);
  expect(row).toMatchObject({ model: 'claude-sonnet-4-5', prompt_tokens: 250_000, cached_tokens: 50_000, cache_write_tokens: 10_000, completion_tokens: 1_000 });
  // 190,000 x 6 + 50,000 x 0.6 + 10,000 x 7.5 + 1,000 x 22.5 = 1,267,500 per 1M (base prices would give 0.6375).
  expect(row.cost_usd).toBeCloseTo(1.2675, 9);
});

test('gemini-2.5-pro with a 250,000-token prompt: every token at the tier (input 2.5, cached 0.25, output 15)', async () => {
  const { response } = await client.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'Summarise the contract.' }] }).withResponse();
  const row = await logRow(response.headers.get('x-request-id')!);
  expect(row).toMatchObject({ model: 'gemini-2.5-pro', prompt_tokens: 250_000, cached_tokens: 20_000, completion_tokens: 2_000, reasoning_tokens: 500 });
  // 230,000 x 2.5 + 20,000 x 0.25 + 2,000 x 15 = 610,000 per 1M (base prices would give 0.31).
  expect(row.cost_usd).toBeCloseTo(0.61, 9);
});

test('claude-sonnet-4 (a pass-through id, not seeded) over 200K tokens with the context-1m beta: Anthropic\'s Sonnet 4 tier, 1-hour writes at twice the tier input', async () => {
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const reply = (usage: object) => () => jsonResponse({ ...claudeReply(), model: 'claude-sonnet-4-20250514', usage });
  // 190,000 uncached + 50,000 cache read + 10,000 cache write (4,000 of them to the 1-hour cache).
  fake.handler = reply({
    input_tokens: 190_000, cache_read_input_tokens: 50_000, cache_creation_input_tokens: 10_000,
    cache_creation: { ephemeral_5m_input_tokens: 6_000, ephemeral_1h_input_tokens: 4_000 }, output_tokens: 1_000,
  });
  try {
    for (const model of ['claude-sonnet-4-20250514', 'anthropic/claude-sonnet-4-0']) {
      const { data, response } = await anthropic.beta.messages
        .create({ model, max_tokens: 1024, betas: ['context-1m-2025-08-07'], messages: [{ role: 'user', content: 'Summarise the contract.' }] })
        .withResponse();
      expect(data.usage.cache_creation?.ephemeral_1h_input_tokens).toBe(4_000);
      expect(fake.requests.at(-1)!.headers['anthropic-beta']).toBe('context-1m-2025-08-07');
      const row = await logRow(response.headers.get('x-request-id')!);
      expect(row).toMatchObject({ prompt_tokens: 250_000, cached_tokens: 50_000, cache_write_tokens: 10_000, completion_tokens: 1_000 });
      // Sonnet 4.5's tier: 190,000 x 6 + 50,000 x 0.6 + 6,000 x 7.5 + 4,000 x 12 + 1,000 x 22.5 per 1M
      // (at base prices, all genai-prices gives Sonnet 4, it billed 0.6465).
      expect(row.cost_usd).toBeCloseTo(1.2855, 9);
    }
    // 200,000 prompt tokens are not over 200K: base prices, 140,000 x 3 + 50,000 x 0.3 + 10,000 x 3.75 + 1,000 x 15.
    fake.handler = reply({ input_tokens: 140_000, cache_read_input_tokens: 50_000, cache_creation_input_tokens: 10_000, output_tokens: 1_000 });
    const { response } = await anthropic.messages.create({ model: 'claude-sonnet-4-20250514', max_tokens: 1024, messages: [{ role: 'user', content: 'Summarise.' }] }).withResponse();
    expect((await logRow(response.headers.get('x-request-id')!)).cost_usd).toBeCloseTo(0.4875, 9);
  } finally {
    fake.handler = defaultHandler;
  }
});
