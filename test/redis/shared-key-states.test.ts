/** Provider-key cooldowns and set-aside keys shared through Redis: a key A saw refused is skipped by B. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { UpstreamError } from '../../src/errors/api-error';
import { jsonResponse, replayJson, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { eventually } from '../helpers/redis-env';
import { startCluster, type Cluster } from './cluster';

setDefaultTimeout(30_000);

const POOL_KEY = 'sk-pool-second-key-abcdWXYZ';
let upstream: FakeUpstream;
let cluster: Cluster;
let A: TestGateway;
let B: TestGateway;
let poolKeyId: string;

// The second key is answered 429 with a long retry-after; the env key works.
const handler: FakeHandler = (req, rec, fake) =>
  req.headers.get('authorization') === `Bearer ${POOL_KEY}`
    ? jsonResponse({ error: { message: 'slow down', type: 'rate_limit_error' } }, 429, { 'retry-after': '300' })
    : replayJson('openai', 'chat.json')(req, rec, fake);

beforeAll(async () => {
  upstream = startFakeUpstream(handler);
  cluster = await startCluster(2, { sharedDb: true, env: providerEnv('openai', `${upstream.url}/v1`) });
  [A, B] = cluster.nodes as [TestGateway, TestGateway];
  // Weight 5 against the env key's 1: without a shared cooldown B would pick it first.
  poolKeyId = (await addProviderKey(A.ctx, 'openai', { key: POOL_KEY, weight: 5, label: 'second' })).id;
  expect(await eventually(() => (B.ctx.state.getSnapshot().providers.get('openai')?.keys ?? []).length === 2, 3_000)).toBe(true);
});
afterAll(async () => {
  await cluster?.close();
  upstream?.close();
});

const chat = (gw: TestGateway) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });

describe('shared provider key states', () => {
  test('a key cooled down by a 429 on A is skipped by B', async () => {
    expect((await chat(A)).status).toBe(200);
    expect(A.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini').state).toBe('cooling');
    expect(await eventually(() => B.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini').state === 'cooling', 3_000)).toBe(true);
    const seen = upstream.requests.length;
    for (let i = 0; i < 4; i++) expect((await chat(B)).status).toBe(200);
    const fromB = upstream.requests.slice(seen).map((r) => r.headers.authorization);
    expect(fromB.length).toBe(4);
    expect(fromB).not.toContain(`Bearer ${POOL_KEY}`);
  });

  test('set aside on B shows on A; cleared on A is active on B; a new instance reads the states at start', async () => {
    B.ctx.keyPool.reportFailure('openai', { id: 'env', apiKey: 'x', weight: 1, label: 'env' } as any, new UpstreamError('openai', 401, 'bad key', false));
    expect(await eventually(() => A.ctx.keyPool.stateOf('openai', 'env').state === 'set_aside', 3_000)).toBe(true);
    A.ctx.keyPool.reset('openai', 'env');
    expect(await eventually(() => B.ctx.keyPool.stateOf('openai', 'env').state === 'active', 3_000)).toBe(true);

    const { startGateway } = await import('../helpers/start-gateway');
    const { redisEnv } = await import('../helpers/redis-env');
    const C = await startGateway({ env: { ...redisEnv(cluster.prefix), ...providerEnv('openai', `${upstream.url}/v1`) } });
    try {
      expect(await eventually(() => C.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini').state === 'cooling', 2_000)).toBe(true);
    } finally {
      await C.close();
    }
  });
});
