/**
 * The provider's own key from the environment (`env`) is per instance: instances sharing Redis may
 * each hold their own (one key per instance to spread load, or a key rotated one instance at a
 * time). A 401 or a 429 of one instance's env key must not rest another's, and an env key replaced
 * in the environment starts afresh: the state Redis keeps of the revoked one is not the new one's.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { openaiRefusingKeys } from '../helpers/openai-key-refusals';
import { ADMIN_PASSWORD, api, login } from '../helpers/admin-harness';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { eventually, redisEnv } from '../helpers/redis-env';
import { startCluster, type Cluster } from './cluster';

setDefaultTimeout(30_000);

const KEY_A = 'sk-instance-a-key-revoked-AAAA'; // revoked at OpenAI: 401
const KEY_B = 'sk-instance-b-key-working-BBBB';
const KEY_NEW = 'sk-instance-a-key-rotated-CCCC'; // A's replacement, after a restart
const POOL = 'sk-shared-pool-key-limited-PPPP'; // rate-limited: 429 for 5 minutes

let upstream: FakeUpstream;
let cluster: Cluster;
let A: TestGateway;
let B: TestGateway;
let poolId: string;

beforeAll(async () => {
  upstream = startFakeUpstream(openaiRefusingKeys({ revoked: [KEY_A], limited: { [POOL]: '300' } }));
  cluster = await startCluster(2, {
    sharedDb: true,
    env: providerEnv('openai', `${upstream.url}/v1`),
    each: (i) => ({ env: { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: i === 0 ? KEY_A : KEY_B } }),
  });
  [A, B] = cluster.nodes as [TestGateway, TestGateway];
  poolId = (await addProviderKey(A.ctx, 'openai', { key: POOL, label: 'pool' })).id;
  expect(await eventually(() => (B.ctx.state.getSnapshot().providers.get('openai')?.keys ?? []).length === 2, 10_000)).toBe(true);
});
afterAll(async () => {
  await cluster?.close();
  upstream?.close();
});

const chat = (gw: TestGateway) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
const envKey = async (gw: TestGateway) => {
  const res = await api(gw, 'GET', '/api/providers/openai', { as: await login(gw, 'admin', ADMIN_PASSWORD) });
  return ((await res.json()) as any).keys.find((k: any) => k.id === 'env');
};
const poolCooling = (gw: TestGateway) => gw.ctx.keyPool.stateOf('openai', poolId, 'gpt-4o-mini').state === 'cooling';

test("A's env key refused (401) does not set aside B's own env key: B keeps serving with it", async () => {
  // A tries both of its keys: its env key is refused (401), the pool key rate-limited (429).
  const res = await chat(A);
  expect(res.status).toBe(429);
  expect(upstream.requests.map((r) => r.headers.authorization).sort()).toEqual([`Bearer ${KEY_A}`, `Bearer ${POOL}`]);
  expect((await envKey(A)).state).toBe('set_aside');
  // The pool key's cooldown was published after the 401: once B has it, B has heard of the 401 too.
  expect(await eventually(() => poolCooling(B), 10_000)).toBe(true);
  expect(await envKey(B)).toMatchObject({ last4: 'BBBB', state: 'active' });
  // Before: B took A's 401 for its own key, and with the pool key cooling its clients got 429s.
  const seen = upstream.requests.length;
  for (let i = 0; i < 3; i++) expect((await chat(B)).status).toBe(200);
  expect(upstream.requests.slice(seen).map((r) => r.headers.authorization)).toEqual(Array(3).fill(`Bearer ${KEY_B}`));
});

test('an env key replaced in the environment (A restarted with a new one) starts active, not set aside as the revoked one was', async () => {
  const C = await startGateway({
    env: { ...redisEnv(cluster.prefix), ...providerEnv('openai', `${upstream.url}/v1`), LLM_PROXY__DATABASE__PATH: A.ctx.config.database.path, LLM_PROXY__PROVIDERS__OPENAI__API_KEY: KEY_NEW },
  });
  try {
    // C has read the shared states (the pool key's cooldown among them).
    expect(await eventually(() => poolCooling(C), 10_000)).toBe(true);
    expect(await envKey(C)).toMatchObject({ last4: 'CCCC', state: 'active' });
    const seen = upstream.requests.length;
    expect((await chat(C)).status).toBe(200);
    expect(upstream.requests.slice(seen).map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY_NEW}`]);
  } finally {
    await C.close();
  }
});
