/** Login throttling across instances: failed sign-ins spread over A and B add up. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { TestGateway } from '../helpers/start-gateway';
import { eventually } from '../helpers/redis-env';
import { startCluster, type Cluster } from './cluster';

setDefaultTimeout(30_000);

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(2, { sharedDb: true });
});
afterAll(() => cluster?.close());

const signIn = (gw: TestGateway, password: string) =>
  fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });

test('failures spread over A and B lock the account on both; the right password then waits too', async () => {
  const [A, B] = cluster.nodes as [TestGateway, TestGateway];
  const max = A.ctx.auth.perUser.maxFailures;
  // Alternate instances: neither sees enough failures on its own.
  for (let i = 0; i < max; i++) expect((await signIn(i % 2 ? B : A, 'wrong-password')).status).toBe(401);
  // Each instance hears the other's failures a moment later (pub/sub). Wait for that before the
  // right password: a sign-in that got through first would clear the count it is meant to test.
  const locked = (gw: TestGateway) => {
    const rt = gw.ctx.auth;
    return rt.throttle.keys().some((k) => rt.throttle.retryAfterMs(k, rt.perUser) > 0);
  };
  expect(await eventually(() => locked(A) && locked(B), 10_000)).toBe(true);
  for (const gw of [A, B]) {
    const res = await signIn(gw, 'test-admin-password');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  }
});
