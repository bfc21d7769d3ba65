/**
 * Long-context tiers through the real gateway and log writer: upstreams report a 250,000-token
 * prompt, and the log row (found by the answer's x-request-id) bills the whole request at the
 * seeded models' tier prices (see test/usage/long-context-cost.test.ts for the prices).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
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

beforeAll(async () => {
  fake = startFakeUpstream((req) => jsonResponse(new URL(req.url).pathname.startsWith('/v1beta/') ? geminiReply() : claudeReply()));
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
