/**
 * A request whose body is still arriving when its budget period turns (a slow upload at midnight
 * UTC): its log row, dated when it started, goes to the old day's rollups, which is where a
 * restart reads the period's spend from. The live counters must bill it there too, or the new
 * day's spend shown and enforced would drop by its cost at the next restart.
 */
import { afterAll, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { clients, models } from '../../src/db/schema';
import { ADMIN_PASSWORD, api, json, login } from '../helpers/admin-harness';
import { eventually, deleteKeys, randomPrefix, redisEnv } from '../helpers/redis-env';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway } from '../helpers/start-gateway';
import { FIXTURE_COST, PRICE } from './limits-helpers';

const fake = startFakeUpstream(() => jsonResponse(fixtureJson('openai', 'chat.json')));
const prefix = randomPrefix();
afterAll(async () => {
  fake.close();
  await deleteKeys(prefix);
});

const BODY = JSON.stringify({ model: 'slow-model', max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] });

for (const store of ['memory', 'redis'] as const) {
  test(`${store}: a body that arrives after midnight UTC bills its request to the day it started, as its row; the new day's spend_usd is its rows' sum`, async () => {
    // One hand-moved clock for the rows' created_at and the limits; it tells when the request started.
    const clock = { now: Date.parse('2026-03-10T23:59:59Z') };
    let started!: () => void;
    const prelude = new Promise<void>((r) => (started = r));
    const gw = await startGateway({
      storeLogs: true,
      env: { ...providerEnv('openai', `${fake.url}/v1`), ...(store === 'redis' ? redisEnv(prefix) : {}) },
      limitsClock: () => clock.now,
      requestClock: () => (started(), clock.now),
    });
    try {
      gw.ctx.db.insert(models).values({ id: 'slow-model', provider: 'openai', upstreamId: 'gpt-4o-mini', inputPrice: PRICE, outputPrice: PRICE, contextWindow: 128_000, updatedAt: Date.now() }).run();
      const c = gw.addClient(`slow-${store}`);
      gw.ctx.db.update(clients).set({ budgetUsd: 5, budgetPeriod: 'day' }).where(eq(clients.id, c.id)).run();
      await gw.ctx.limits.seed(gw.ctx.state.reload());

      // Half the body before midnight, the rest after.
      const enc = new TextEncoder();
      let ctl!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
      ctl.enqueue(enc.encode(BODY.slice(0, 40)));
      const answer = fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST', body, duplex: 'half',
        headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json', 'content-length': String(BODY.length) },
      } as RequestInit);
      await prelude;
      clock.now = Date.parse('2026-03-11T00:00:01Z');
      ctl.enqueue(enc.encode(BODY.slice(40)));
      ctl.close();
      const res = await answer;
      expect(res.status).toBe(200);
      const id = res.headers.get('x-request-id')!;
      const row = () => gw.ctx.sqlite.query<{ created_at: number; cost_usd: number }, [string]>('SELECT created_at, cost_usd FROM request_logs WHERE request_id = ?').get(id);
      expect(await eventually(() => row() !== null)).toBe(true);
      expect(row()!.created_at).toBe(Date.parse('2026-03-10T23:59:59Z'));
      expect(row()!.cost_usd).toBeCloseTo(FIXTURE_COST, 10);

      // One more request on the new day, its row written (settles go in order, before their rows).
      const next = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: BODY, headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' } });
      expect(next.status).toBe(200);
      const nextId = next.headers.get('x-request-id')!;
      expect(await eventually(() => gw.ctx.sqlite.query('SELECT 1 FROM request_logs WHERE request_id = ?').get(nextId) !== null)).toBe(true);

      const scope = gw.ctx.state.getSnapshot().clientsById!.get(c.id)!.limits!.scopes[0]!;
      // What a restart would start 2026-03-11 from: its rows' sum, the later request alone.
      expect(await eventually(async () => Math.abs((await gw.ctx.limits.loggedSpend(scope, clock.now)) - FIXTURE_COST) < 1e-9)).toBe(true);
      expect(await gw.ctx.limits.loggedSpend(scope, Date.parse('2026-03-10T12:00:00Z'))).toBeCloseTo(2 * FIXTURE_COST, 10);
      const admin = await login(gw, 'admin', ADMIN_PASSWORD);
      const shown = await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }));
      expect(shown.spend_usd).toBeCloseTo(FIXTURE_COST, 6);
    } finally {
      await gw.close();
    }
  }, 30_000);
}
