/**
 * A budget reserves the output cap the endpoint itself sends on: another API's name for it in the
 * body (`max_completion_tokens` in a Messages body, `max_tokens` in a Responses body,
 * `max_output_tokens` in a chat body), which no upstream is sent as a limit, must not shrink the
 * reservation while the upstream writes what the endpoint's own field (or none) lets it. A
 * Messages body with OpenAI's name is refused outright, as Anthropic refuses it.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, type FakeHandler } from '../helpers/fake-upstream';
import { limitedClient, useBridgedLimitsRig, type LimitsRig } from './limits-helpers';

setDefaultTimeout(30_000);

let rig: LimitsRig;
const deepseek = useBridgedLimitsRig((r) => (rig = r));

/** The output limit a chat body was sent (null: none). */
const sentCap = (body: any): number | null => body.max_completion_tokens ?? body.max_tokens ?? null;

/** An upstream that writes all it may: the cap it was sent, or 32,000 tokens (DeepSeek's reasoner) without one. */
const writesAllItMay: FakeHandler = (_req, recorded) => jsonResponse({
  id: 'chatcmpl-long', object: 'chat.completion', created: 1, model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'word '.repeat(100) }, finish_reason: 'length' }],
  usage: { prompt_tokens: 10, completion_tokens: sentCap(recorded.body) ?? 32_000, total_tokens: 10 + (sentCap(recorded.body) ?? 32_000) },
});

/** Five requests at once from a $1 key ($0.001 a token: 1,000 tokens): the rows of all of them sum to at most $1. */
async function fiveAtOnce(name: string, send: (key: string) => Promise<unknown>): Promise<void> {
  const c = await limitedClient(rig.gw, name, { budgetUsd: 1, budgetPeriod: 'month' });
  const ids = new Set<string>();
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => send(c.key)));
  await rig.gw.waitForLogs(rig.gw.logs.length);
  const rows = rig.gw.logs.filter((r) => r.clientId === c.id);
  for (const r of rows) ids.add(r.requestId);
  expect([rows.length, ids.size]).toEqual([5, 5]);
  expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
  expect(rows.reduce((s, r) => s + r.costUsd, 0)).toBeLessThanOrEqual(1);
}

test('/v1/messages (translated) with a stray max_completion_tokens: refused in Anthropic\'s words before any reservation or call, one row each, nothing spent', async () => {
  rig.fake.handler = writesAllItMay;
  const calls = rig.fake.requests.length;
  const c = await limitedClient(rig.gw, 'stray-mct', { budgetUsd: 1, budgetPeriod: 'month' });
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => new Anthropic({ apiKey: c.key, baseURL: rig.gw.url, maxRetries: 0 })
    .messages.create({ model: 'lim-model', max_tokens: 20_000, messages: [{ role: 'user', content: 'Write a lot' }], max_completion_tokens: 1 } as any)));
  for (const r of results) {
    expect(r.status).toBe('rejected');
    expect((r as PromiseRejectedResult).reason.error.error.message).toBe('max_completion_tokens: Extra inputs are not permitted');
  }
  const rows = await Promise.all(results.map((r) => rig.gw.waitForRow((r as PromiseRejectedResult).reason.requestID)));
  expect(rows.map((r) => [r.status, r.costUsd, r.clientId])).toEqual(Array(5).fill([400, 0, c.id]));
  expect(rig.fake.requests.length).toBe(calls);
});

test('/v1/responses (bridged) with a stray max_tokens 1 and no max_output_tokens: reserved as uncapped, never overspent', async () => {
  deepseek.handler = writesAllItMay;
  await fiveAtOnce('stray-mt', (key) => rig.gw.openai(key).responses.create({ model: 'lim-bridged', input: 'Write a lot', max_tokens: 1 } as any));
});

test('/v1/chat/completions with a stray max_output_tokens 1 and no max_tokens: reserved as uncapped, never overspent', async () => {
  deepseek.handler = writesAllItMay;
  await fiveAtOnce('stray-mot', (key) => rig.gw.openai(key).chat.completions.create({ model: 'lim-bridged', messages: [{ role: 'user', content: 'Write a lot' }], max_output_tokens: 1 } as any));
});
