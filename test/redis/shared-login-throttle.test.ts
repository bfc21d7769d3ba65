/** Login throttling across instances: failed sign-ins spread over A and B add up. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { authRuntime } from '../../src/auth/auth-runtime';
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
  const max = authRuntime(A.ctx.db).perUser.maxFailures;
  // Alternate instances: neither sees enough failures on its own.
  for (let i = 0; i < max; i++) expect((await signIn(i % 2 ? B : A, 'wrong-password')).status).toBe(401);
  expect(await eventually(async () => (await signIn(A, 'test-admin-password')).status === 429, 3_000)).toBe(true);
  const onB = await signIn(B, 'test-admin-password');
  expect(onB.status).toBe(429);
  expect(Number(onB.headers.get('retry-after'))).toBeGreaterThan(0);
});
