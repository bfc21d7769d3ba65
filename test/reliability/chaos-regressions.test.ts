/**
 * Scenarios the chaos test (chaos-invariants.test.ts) found, pinned as plain tests on its rig. Seed
 * 20261204-7 (CHAOS_SEED=7): an upstream that answers an error with status 200 (`{"error": …}`;
 * Anthropic's `{"type": "error", …}`) had it relayed as a success: chat a completion without
 * choices, a bridged Messages answer an empty message, a Responses passthrough the error body with
 * 200, each billed as an answer and without fallback. (A Responses passthrough's broken 200 then
 * became a 502, still without fallback; now it is a failed try, as on chat.)
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { requestLogs } from '../../src/db/schema';
import { until } from '../helpers/until';
import { requestOf, type Endpoint } from './chaos-client';
import { EMBED_GROUP, GROUPS, startChaosRig, type ChaosRig, type Planned } from './chaos-rig';
import type { Fault } from './chaos-upstream';

setDefaultTimeout(30_000);

let rig: ChaosRig;
beforeAll(async () => {
  rig = await startChaosRig();
});
afterAll(() => rig.close());

/** Sends one request of this plan (read whole) and returns its answer and log row. */
async function once(endpoint: Endpoint, group: 0 | 1, faults: Fault[], resetBreakers = true) {
  const plan: Planned = { endpoint, group, faults, big: false, behaviour: { kind: 'read-all' } };
  const tag = rig.nextTag++;
  rig.plans.set(tag, plan);
  if (resetBreakers) rig.gw.ctx.breakers.reset();
  const req = requestOf(endpoint, tag, GROUPS[group], EMBED_GROUP);
  const res = await rig.gw.fetch(req.path, { method: 'POST', body: JSON.stringify(req.body), headers: req.headers });
  const body = (await res.json()) as any;
  // The rig stores rows through the real log writer: read this request's from the database.
  const rowsOf = () => rig.gw.ctx.db.select().from(requestLogs).where(eq(requestLogs.requestId, res.headers.get('x-request-id')!)).all();
  await until(() => rowsOf().length > 0);
  const rows = rowsOf();
  expect(rows).toHaveLength(1);
  const row = rows[0]!;
  return { status: res.status, body, row };
}

describe('an upstream error answered with status 200', () => {
  test('chat: the group falls back to its next target, whose answer the client gets', async () => {
    const { status, body, row } = await once('chat', 0, ['error-event', 'ok', 'ok']);
    expect(status).toBe(200);
    expect(body.choices[0].message.content).toBe('Hello! How can I help you today?');
    expect(body.error).toBeUndefined();
    expect([row.status, row.provider]).toEqual([200, 'deepseek']);
    expect(JSON.parse(row.attempts!)[0]).toMatchObject({ provider: 'openai', status: 502, error: expect.stringContaining('answered with an error: chaos: error in a 200') });
  });

  test('chat: with every target failing so, the client gets a 502 in OpenAI\'s shape and the row says why', async () => {
    const { status, body, row } = await once('chat', 0, ['error-event', 'error-event', 'error-event']);
    expect(status).toBe(502);
    expect(body.error).toMatchObject({ type: 'api_error', code: 'upstream_error', message: expect.stringContaining('answered with an error: chaos: error in a 200') });
    expect(row.status).toBe(502);
  });

  test('messages bridged to chat: the next target answers, not an empty message', async () => {
    const { status, body, row } = await once('messages', 0, ['error-event', 'ok', 'ok']);
    expect(status).toBe(200);
    expect(body.content[0].text).toBe('Hello! How can I help you today?');
    expect([row.status, row.provider]).toEqual([200, 'deepseek']);
  });

  test("Anthropic's error shape: the group falls back from Anthropic, on chat and on native messages", async () => {
    for (const endpoint of ['chat', 'messages'] as const) {
      const { status, row } = await once(endpoint, 1, ['error-event', 'ok', 'ok']);
      expect({ endpoint, status, provider: row.provider }).toEqual({ endpoint, status: 200, provider: 'openai' });
      expect(JSON.parse(row.attempts!)[0]).toMatchObject({ provider: 'anthropic', status: 502 });
    }
  });

  test('Responses passthrough: the group falls back to its next target (through the bridge), not the error body relayed with 200', async () => {
    const { status, body, row } = await once('responses', 0, ['error-event', 'ok', '500']);
    expect(status).toBe(200);
    expect(body.output.find((o: any) => o.type === 'message').content[0].text).toBe('Hello! How can I help you today?');
    expect([row.status, row.provider]).toEqual([200, 'deepseek']);
    expect(JSON.parse(row.attempts!)[0]).toMatchObject({ provider: 'openai', status: 502, error: expect.stringContaining('answered with an error: chaos: error in a 200') });
  });

  test("Responses passthrough with every target failing so: a 502 in OpenAI's shape, one row", async () => {
    const { status, body, row } = await once('responses', 0, ['error-event', 'error-event', 'error-event']);
    expect(status).toBe(502);
    expect(body.error).toMatchObject({ type: 'api_error', code: 'upstream_error', message: expect.stringContaining('answered with an error: chaos: error in a 200') });
    expect(row.status).toBe(502);
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['openai', 502], ['deepseek', 502], ['grok', 502]]);
  });
});

describe('a Responses answer passed through that is not JSON (CHAOS_SEED=53: a 200 cut short within its content-length)', () => {
  test('is a failed try: the group falls back, the client never gets the broken bytes', async () => {
    const { status, body, row } = await once('responses', 0, ['malformed', 'ok', '429']);
    expect(status).toBe(200);
    expect(body.output.find((o: any) => o.type === 'message').content[0].text).toBe('Hello! How can I help you today?');
    expect([row.status, row.provider]).toEqual([200, 'deepseek']);
    expect(JSON.parse(row.attempts!)[0]).toMatchObject({ provider: 'openai', status: 502, error: 'Upstream OpenAI (openai) answered with something that is not JSON.' });
  });

  test("with every target failing: a 502 in OpenAI's shape with its one row of every try", async () => {
    const { status, body, row } = await once('responses', 0, ['malformed', 'reset-before-headers', 'malformed']);
    expect(status).toBe(502);
    expect(body.error).toEqual({ type: 'api_error', code: 'upstream_error', param: null, message: 'Upstream xAI Grok (grok) answered with something that is not JSON.' });
    expect(row.status).toBe(502);
    const attempts = JSON.parse(row.attempts!);
    expect(attempts.map((a: any) => [a.provider, a.status])).toEqual([['openai', 502], ['deepseek', 502], ['grok', 502]]);
    expect(attempts[0].error).toBe('Upstream OpenAI (openai) answered with something that is not JSON.');
  });
});

describe('a chat answer that is not JSON (a 200 cut short within its content-length)', () => {
  test("is the upstream's broken answer, not a connection that broke off: the model's circuit counts it, not the provider's", async () => {
    const { status, body, row } = await once('chat', 0, ['malformed', 'malformed', 'malformed']);
    expect(status).toBe(502);
    expect(body.error).toEqual({ type: 'api_error', code: 'upstream_error', param: null, message: 'Upstream xAI Grok (grok) answered with something that is not JSON.' });
    expect(JSON.parse(row.attempts!).map((a: any) => a.error)).toEqual(['OpenAI (openai)', 'DeepSeek (deepseek)', 'xAI Grok (grok)'].map((p) => `Upstream ${p} answered with something that is not JSON.`));
    // Five in a row: each model's circuit opens, no provider's (a connection failure five times would open it).
    for (let i = 0; i < 4; i++) await once('chat', 0, ['malformed', 'malformed', 'malformed'], false);
    const states = rig.gw.ctx.breakers.list().map((b) => [b.key, b.state, b.failures]);
    expect(states).toEqual([['openai', 'closed', 5], ['openai/gpt-4o-mini', 'open', 5], ['deepseek', 'closed', 5], ['deepseek/deepseek-chat', 'open', 5], ['grok', 'closed', 5], ['grok/grok-3-mini', 'open', 5]]);
  });
});
