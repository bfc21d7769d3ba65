/**
 * An upstream whose usage has a fractional count (1045.5 tokens: a broken or hostile upstream; the
 * real APIs send whole numbers) still leaves its request's one log row on PostgreSQL, whose token
 * columns are bigint and refuse 1045.5: the count is made whole, as OpenAI's usage always was.
 * A count past any whole count (1e300, which bigint refuses too) is nonsense, so the row is estimated.
 * Driven with the official openai and Anthropic clients; rows found by x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { ADMIN_PASSWORD, apiLogRow, login, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const fake = startFakeUpstream();
let db: TestDatabase;
let gw: TestGateway;
let admin: Session;
beforeAll(async () => {
  db = await createTestDatabase();
  gw = await startGateway({ storeLogs: true, env: { LLM_PROXY__DATABASE__URL: db.url, ...providerEnv('gemini', fake.url), ...providerEnv('anthropic', fake.url) } });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await gw?.close();
  await db?.drop();
  fake.close();
});

const M = 1e6;

test('gemini: fractional usageMetadata counts bill whole tokens, and the row lands', async () => {
  fake.handler = () => jsonResponse({
    candidates: [{ content: { parts: [{ text: 'Thirty days.' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 1045.5, candidatesTokenCount: 70.25, thoughtsTokenCount: 9.5, totalTokenCount: 1125.25 },
    modelVersion: 'gemini-2.5-flash',
  });
  const { response } = await gw.openai().chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Notice period?' }] }).withResponse();
  const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
  // 1,046 prompt tokens at 0.3 $/M; 70 + 10 thinking = 80 output tokens at 2.5 $/M.
  expect(row).toMatchObject({ prompt_tokens: 1046, completion_tokens: 80, reasoning_tokens: 10, estimated: false });
  expect(row.cost_usd).toBeCloseTo((1046 * 0.3 + 80 * 2.5) / M, 12);
});

test('anthropic /v1/messages: fractional usage counts bill whole tokens, and the row lands', async () => {
  fake.handler = () => jsonResponse({
    id: 'msg_01Fractional00000000000000', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929',
    content: [{ type: 'text', text: 'Thirty days.' }], stop_reason: 'end_turn', stop_sequence: null,
    usage: { input_tokens: 12.5, cache_read_input_tokens: 100.4, cache_creation_input_tokens: 0, output_tokens: 40.5 },
  });
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const { response } = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Notice period?' }] }).withResponse();
  const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
  // 13 uncached at 3 $/M, 100 cache reads at 0.3, 41 output at 15.
  expect(row).toMatchObject({ prompt_tokens: 113, cached_tokens: 100, completion_tokens: 41, estimated: false });
  expect(row.cost_usd).toBeCloseTo((13 * 3 + 100 * 0.3 + 41 * 15) / M, 12);
});

test('gemini: a count past any whole count (1e300) is nonsense: the row is estimated, and lands', async () => {
  fake.handler = () => jsonResponse({
    candidates: [{ content: { parts: [{ text: 'Thirty days.' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 1e300, candidatesTokenCount: 5, totalTokenCount: 1e300 },
    modelVersion: 'gemini-2.5-flash',
  });
  const { response } = await gw.openai().chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Notice period?' }] }).withResponse();
  const row = await apiLogRow(gw, admin, response.headers.get('x-request-id')!);
  expect(row.estimated).toBe(true);
  expect(row.prompt_tokens).toBeGreaterThan(0);
  expect(row.prompt_tokens).toBeLessThan(100);
  expect(row.cost_usd).toBeLessThan(0.001);
});
