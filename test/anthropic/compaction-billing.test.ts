/**
 * Anthropic's server-side compaction (`context_management` with `compact_20260112`): summarising
 * the context it closes is a sampling step of its own, reported in `usage.iterations` and billed,
 * but left out of the top-level counts. Driven with the official @anthropic-ai/sdk through the
 * real gateway to a fake Anthropic replaying the documented shape; the row bills both steps.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { computeCost } from '../../src/usage/cost';
import { normalizeAnthropicUsage } from '../../src/usage/anthropic-usage';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { limitedClient } from '../limits/limits-helpers';
import { anthropicClient } from '../messages/messages-helpers';
import { anthropicJson, json, queue, sse } from './fake-anthropic';

let fake: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url } });
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const M = 1e6;
/** Opus 4.6: the compaction (170,000 input + 10,000 cache reads, 3,500 output), then the answer (23,000 input, 1,000 output). */
const COMPACTION = (170_000 * 5 + 10_000 * 0.5 + 3_500 * 25) / M;
const ANSWER = (23_000 * 5 + 1_000 * 25) / M;
const body = {
  model: 'claude-opus-4-6', max_tokens: 4096, messages: [{ role: 'user' as const, content: 'What next?' }],
  context_management: { edits: [{ type: 'compact_20260112' }] },
};

test('a compacted turn bills the compaction beside the answer; the row counts its tokens', async () => {
  fake.handler = queue(json('compaction.json'));
  const { data, response } = await (client.messages.create as any)(body, { headers: { 'anthropic-beta': 'compact-2026-01-12' } }).withResponse();
  expect(data.usage.input_tokens).toBe(23_000);
  expect(fake.last().body.context_management).toEqual(body.context_management);
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ promptTokens: 23_000 + 180_000, cachedTokens: 10_000, completionTokens: 1_000 + 3_500 });
  expect(row.costUsd).toBeCloseTo(COMPACTION + ANSWER, 12);
});

test('streamed: the iterations of message_delta are billed the same', async () => {
  fake.handler = queue(sse('compaction.sse'));
  const stream = client.messages.stream(body as any, { headers: { 'anthropic-beta': 'compact-2026-01-12' } });
  await stream.finalMessage();
  const row = await gw.waitForRow(stream.request_id!);
  expect(row).toMatchObject({ stream: true, promptTokens: 203_000, completionTokens: 4_500 });
  expect(row.costUsd).toBeCloseTo(COMPACTION + ANSWER, 12);
});

test('each step bills at its own prompt length: a 180k compaction and a 23k answer stay below a 200k tier', () => {
  const usage = normalizeAnthropicUsage(anthropicJson('compaction.json').usage)!;
  const sonnet45 = {
    input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15, reasoning: null, image: null,
    longContext: { threshold: 200_001, input: 6, cachedInput: 0.6, cacheWrite: 7.5, output: 22.5, reasoning: null },
  };
  expect(usage.input).toBe(203_000);
  expect(computeCost(usage, sonnet45)).toBeCloseTo((170_000 * 3 + 10_000 * 0.3 + 3_500 * 15 + 23_000 * 3 + 1_000 * 15) / M, 12);
});

test('a budget reserves a second sampling for a request that may compact: its max_tokens is cut to what two samplings hold', async () => {
  // Standard: 4,096 output tokens at $25/M (~$0.10, 1.1x for US-only) fits $0.15: sent as asked. Twice that
  // does not: the turn reserves half the $0.15 (a cut request leaves the rest to a request beside it),
  // which holds two samplings of ~1,350 (less the prompt), and it is sent that.
  const key = await limitedClient(gw, 'compactor', { budgetUsd: 0.15, budgetPeriod: 'month' });
  const limited = anthropicClient(gw, key.key);
  fake.handler = queue(json('compaction.json'));
  await (limited.messages.create as any)(body, { headers: { 'anthropic-beta': 'compact-2026-01-12' } });
  const cap = fake.last().body.max_tokens;
  expect(cap).toBeGreaterThan(1_000);
  expect(cap).toBeLessThan(0.15 / 2 / (2 * 25 * 1.1) * M);
  const plainKey = await limitedClient(gw, 'not-compacting', { budgetUsd: 0.15, budgetPeriod: 'month' });
  const standard = anthropicJson('compaction.json');
  standard.usage = { input_tokens: 20, output_tokens: 10 };
  fake.handler = queue(() => Response.json(standard));
  const { context_management: _, ...plain } = body;
  expect((await anthropicClient(gw, plainKey.key).messages.create(plain)).type).toBe('message');
  expect(fake.last().body.max_tokens).toBe(4096);
});
