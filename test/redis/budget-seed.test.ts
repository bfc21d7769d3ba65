/** Budgets start from the logged spend in Redis too, also when Redis only answers after the start. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { clients } from '../../src/db/schema';
import { deleteKeys, eventually, randomPrefix, redisEnv } from '../helpers/redis-env';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

setDefaultTimeout(30_000);

const prefix = randomPrefix();
let proxy: TcpProxy;
let gw: TestGateway;
beforeAll(async () => {
  proxy = await startTcpProxy('127.0.0.1', 6379);
  proxy.cut();
  gw = await startGateway({ env: redisEnv(prefix, proxy.url) });
});
afterAll(async () => {
  await gw?.close();
  proxy?.close();
  await deleteKeys(prefix);
});

test('a budget whose spend was logged today reaches Redis once Redis answers', async () => {
  expect(gw.ctx.redis!.status()).toBe('down');
  const c = gw.addClient('seeded');
  const today = new Date();
  const day = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  gw.ctx.sqlite.query('INSERT INTO usage_client_daily (day, client_id, requests, cost_usd) VALUES (?, ?, 1, ?)').run(day, c.id, 0.25);
  gw.ctx.db.update(clients).set({ budgetUsd: 1, budgetPeriod: 'day' }).where(eq(clients.id, c.id)).run();
  await gw.ctx.limits.seed(gw.ctx.state.reload());
  const scope = gw.ctx.state.getSnapshot().clientsById!.get(c.id)!.limits!.scopes[0]!;

  proxy.restore();
  expect(await gw.ctx.redis!.whenUp(5_000)).toBe(true);
  expect(await eventually(async () => (await gw.ctx.redis!.send('HGET', [gw.ctx.redis!.key(`lim:${scope.key}:st`), 'spend'])) === '0.25', 10_000)).toBe(true);
  expect(await gw.ctx.limits.counters.spend(scope, Date.now())).toBeCloseTo(0.25, 9);
});
