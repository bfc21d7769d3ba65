/** Provider-key cooldowns and set-aside keys shared through Redis: a key A saw refused is skipped by B. */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { UpstreamError } from '../../src/errors/api-error';
import { jsonResponse, replayJson, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { eventually } from '../helpers/redis-env';
import { envKeyOf, envSlot } from '../helpers/env-key';
import type { Cluster } from './cluster';
import { POOL_KEY, startPoolKeyCluster, type PoolKeyCluster } from './pool-key-cluster';

setDefaultTimeout(30_000);

let env: PoolKeyCluster;
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
  env = await startPoolKeyCluster(handler);
  ({ upstream, cluster, A, B, poolKeyId } = env);
});
afterAll(() => env?.close());

const chat = (gw: TestGateway) =>
  gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });

describe('shared provider key states', () => {
  test('a key cooled down by a 429 on A is skipped by B', async () => {
    expect((await chat(A)).status).toBe(200);
    expect(A.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini').state).toBe('cooling');
    expect(await eventually(() => B.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini').state === 'cooling', 10_000)).toBe(true);
    const seen = upstream.requests.length;
    for (let i = 0; i < 4; i++) expect((await chat(B)).status).toBe(200);
    const fromB = upstream.requests.slice(seen).map((r) => r.headers.authorization);
    expect(fromB.length).toBe(4);
    expect(fromB).not.toContain(`Bearer ${POOL_KEY}`);
  });

  test('set aside on B shows on A; cleared on A is active on B; a new instance reads the states at start', async () => {
    // Both hold the same env key: its state is shared as an added key's is.
    B.ctx.keyPool.reportFailure('openai', envKeyOf(B), new UpstreamError('openai', 401, 'bad key', false));
    expect(await eventually(() => A.ctx.keyPool.stateOf('openai', envKeyOf(A)).state === 'set_aside', 10_000)).toBe(true);
    A.ctx.keyPool.reset('openai', envSlot(A));
    expect(await eventually(() => B.ctx.keyPool.stateOf('openai', envKeyOf(B)).state === 'active', 10_000)).toBe(true);

    const { startGateway } = await import('../helpers/start-gateway');
    const { redisEnv } = await import('../helpers/redis-env');
    const C = await startGateway({ env: { ...redisEnv(cluster.prefix), ...providerEnv('openai', `${upstream.url}/v1`) } });
    try {
      expect(await eventually(() => C.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini').state === 'cooling', 10_000)).toBe(true);
    } finally {
      await C.close();
    }
  });
});
