/**
 * Redis back with its data, but older: restarted from a snapshot taken before the last requests (or a
 * replica promoted before it had the last writes). Its epoch is the one the instances knew, so
 * nothing is read again from the logs; each instance, once the work that waited is in, leaves the
 * spend it last saw per budget (its own requests since included) as a floor, as it does for a Redis
 * that came back empty. Before, the budget forgot what was spent after the snapshot and served it
 * again: a $0.02 budget under load across three instances ended at $0.0252 spent (its Redis spend
 * back from $0.0162 to $0.009). Two instances, one PostgreSQL, a Redis of the test's own.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { RedisClient } from 'bun';
import OpenAI from 'openai';
import { eventually } from '../helpers/redis-env';
import type { TestGateway } from '../helpers/start-gateway';
import { createLimitedKey, restartRedis, useOwnRedisPair } from './own-redis';

setDefaultTimeout(60_000);

const PREFIX = 'gg-older-snapshot:';
const BUDGET = 1;
const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] };
// The fixture's 19 + 9 tokens at $1000 per 1M cost $0.028.
const rig = useOwnRedisPair({ prefix: PREFIX, dbPrefix: 'gg_older_snapshot', price: 1000 });

/** 200, or the refusal's code. */
const send = (gw: TestGateway, key: string) =>
  gw.openai(key).chat.completions.create(body).then(
    () => 200 as const,
    (e) => (e instanceof OpenAI.APIError ? String(e.code) : String(e)),
  );

test('Redis restarted from a snapshot older than the last requests: the budget keeps what was spent since', async () => {
  const { A, B, redis, db } = rig;
  const { id, key } = await createLimitedKey(rig.admin, [A, B], 'older-snapshot', { budget_usd: BUDGET, budget_period: 'month' });
  for (const gw of [A, B]) expect(await eventually(() => gw.ctx.state.getSnapshot().clientsById?.get(id)?.limits?.scopes[0]?.budgetUsd === BUDGET, 10_000)).toBe(true);
  const r = new RedisClient(redis.url);
  await r.connect();
  const spend = async () => Number((await r.send('HGET', [`${PREFIX}lim:c:${id}:st`, 'spend'])) ?? 0);
  // Two requests, then the snapshot; then the key served on both instances until its budget refuses.
  expect([await send(A, key), await send(B, key)]).toEqual([200, 200]);
  expect(await r.send('SAVE', [])).toBe('OK');
  const atSnapshot = await spend();
  let served = 0;
  for (let i = 0; i < 60; i++) {
    const got = await send(i % 2 ? B : A, key);
    if (got !== 200) {
      expect(got).toBe('budget_exceeded');
      break;
    }
    served++;
  }
  expect(served).toBeGreaterThan(5);
  const before = await spend();
  expect(before).toBeGreaterThan(atSnapshot + 5 * 0.028 - 1e-9);
  r.close();

  // Killed and started again: it loads the snapshot, its epoch the one the instances knew.
  await restartRedis(redis, [A, B]);
  const r2 = new RedisClient(redis.url);
  await r2.connect();
  const spendNow = async () => Number((await r2.send('HGET', [`${PREFIX}lim:c:${id}:st`, 'spend'])) ?? 0);
  // The instances' floors bring the spend back to what they saw (before: it stayed at the snapshot's).
  expect(await eventually(async () => (await spendNow()) >= before - 1e-9, 10_000, 50)).toBe(true);
  r2.close();

  // The key is refused as before the restart on both instances, and what its rows cost stays within the budget.
  expect(await send(A, key)).toBe('budget_exceeded');
  expect(await send(B, key)).toBe('budget_exceeded');
  const pg = new Bun.SQL({ url: db.url, max: 1 });
  expect(await eventually(async () => Number((await pg`SELECT count(*) AS n FROM request_logs WHERE client_id = ${id} AND status = 200`)[0].n) === served + 2, 10_000)).toBe(true);
  const [row] = await pg`SELECT coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE client_id = ${id}`;
  await pg.close();
  expect(Number(row.s)).toBeLessThanOrEqual(BUDGET + 1e-9);
});
