/**
 * Stored Responses conversations while PostgreSQL is unreachable (a loopback TCP proxy the test
 * cuts): each answer queues its conversation and each write fails, so the queue used to grow for
 * the whole outage. It holds at most MAX_PENDING_RESPONSES (the newest), written once PostgreSQL is back.
 * Reads through the gateway meanwhile: what the instance holds in memory serves; anything else is a
 * 503 store_unavailable, not a 500.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { openPgStore } from '../../src/db/pg-store';
import type { Store } from '../../src/db/store';
import { MAX_PENDING_RESPONSES, ResponseStore } from '../../src/responses/response-store';
import { createProxiedDatabase, type ProxiedDatabase } from '../helpers/pg-database';
import { apiError, startGateway, type TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';
import { schemaErrors } from '../responses/openai-schema';

let pg: ProxiedDatabase;
let store: Store;
let gw: TestGateway;
beforeAll(async () => {
  // Refused connections: each write fails at once (the point is the bounded queue, not the connection timeout).
  pg = await createProxiedDatabase({ refuse: true });
  store = openPgStore(pg.url, { max: 2, connectionTimeoutS: 1, probeMs: 100 });
  gw = await startGateway({ env: { LLM_PROXY__DATABASE__URL: pg.url, LLM_PROXY__INSTANCE_ID: 'outage-reads', LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
}, 60_000);
afterAll(() =>
  pg?.close(async () => {
    await store?.close();
    await gw?.close();
  }),
);

test('conversations queued during an outage are bounded; the newest are written once it is back', async () => {
  // A flush delay far past the test: the writes below are the test's own flush() calls.
  const responses = new ResponseStore(store, { flushDelayMs: 600_000 });
  const conv = (i: number) => ({ clientId: 1, model: 'mock/echo-1', messages: [{ role: 'user' as const, content: `turn ${i} ${'x'.repeat(200)}` }] });
  pg.proxy.cut();
  const n = MAX_PENDING_RESPONSES + 300;
  for (let i = 0; i < n; i++) {
    responses.save(`resp_outage_${i}`, conv(i));
    // A write is tried (and fails) now and then, as the flush timer would.
    if (i % 400 === 0) await responses.flush();
  }
  await responses.flush();
  expect(responses.pendingCount).toBe(MAX_PENDING_RESPONSES);

  pg.proxy.restore();
  for (let i = 0; i < 100 && responses.pendingCount > 0; i++) {
    await responses.flush();
    if (responses.pendingCount > 0) await Bun.sleep(100);
  }
  expect(responses.pendingCount).toBe(0);
  const direct = new SQL({ url: pg.db.url, max: 1 });
  try {
    const [{ n: written }] = await direct`SELECT count(*)::int AS n FROM stored_responses`;
    expect(written).toBe(MAX_PENDING_RESPONSES);
    const ids = new Set((await direct`SELECT id FROM stored_responses`).map((r: { id: string }) => r.id));
    expect(ids.has(`resp_outage_${n - 1}`)).toBe(true);
    expect(ids.has('resp_outage_0')).toBe(false);
  } finally {
    await direct.close();
  }
}, 60_000);

test('a follow-up re-reads the conversation it continues (another instance may have deleted it); PostgreSQL away, the copy in memory serves', async () => {
  const responses = new ResponseStore(store, { flushDelayMs: 600_000 });
  responses.save('resp_outage_cached', { clientId: 1, model: 'mock/echo-1', messages: [{ role: 'user', content: 'kept in memory' }] });
  await responses.flush();
  expect(responses.pendingCount).toBe(0);
  pg.proxy.cut();
  try {
    await responses.load('resp_outage_cached', true);
    expect(responses.get('resp_outage_cached', 1)?.messages).toEqual([{ role: 'user', content: 'kept in memory' }]);
    // Nothing in memory to fall back on: the read's failure is the caller's.
    await expect(responses.load('resp_outage_unknown', true)).rejects.toBeDefined();
  } finally {
    pg.proxy.restore();
  }
}, 60_000);

test("PostgreSQL away: the stored responses this instance holds are read and continued; another id is a 503 store_unavailable, a delete too, not a 500", async () => {
  const client = gw.openai();
  const held = await client.responses.create({ model: 'mock/echo-1', input: 'remember the word heron' });
  pg.proxy.cut();
  try {
    await until(() => !gw.ctx.store.reachable(), 30_000);
    expect((await client.responses.retrieve(held.id)).id).toBe(held.id);
    expect((await client.responses.inputItems.list(held.id)).data).toHaveLength(1);
    const away = [
      client.responses.retrieve('resp_0123456789abcdef0123456789abcdef'),
      client.responses.inputItems.list('resp_0123456789abcdef0123456789abcdef'),
      client.responses.create({ model: 'mock/echo-1', previous_response_id: 'resp_0123456789abcdef0123456789abcdef', input: 'which word?' }),
      client.responses.delete(held.id),
    ];
    for (const call of away) {
      const err = await apiError(call);
      expect(err.status).toBe(503);
      expect(err.error).toMatchObject({ type: 'api_error', code: 'store_unavailable' });
      expect(schemaErrors('ErrorResponse', { error: err.error })).toEqual([]);
    }
    // The refused delete forgot nothing: the conversation is still continued from memory.
    const next = await client.responses.create({ model: 'mock/echo-1', previous_response_id: held.id, input: 'which word?' });
    expect(next.previous_response_id).toBe(held.id);
  } finally {
    pg.proxy.restore();
  }
  await until(() => gw.ctx.store.reachable(), 30_000);
  await client.responses.delete(held.id);
  expect((await apiError(client.responses.retrieve(held.id))).status).toBe(404);
}, 60_000);
