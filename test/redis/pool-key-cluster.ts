/**
 * Two gateways on one database and one Redis, OpenAI at a fake upstream, with a second OpenAI key
 * added on A at weight 5 against the env key's 1 (so B picks it first unless it knows better), and
 * B's snapshot waited for until it holds both keys.
 */
import { expect } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { eventually } from '../helpers/redis-env';
import { startCluster, type Cluster } from './cluster';

export const POOL_KEY = 'sk-pool-second-key-abcdWXYZ';

export interface PoolKeyCluster {
  upstream: FakeUpstream;
  cluster: Cluster;
  A: TestGateway;
  B: TestGateway;
  poolKeyId: string;
  close(): Promise<void>;
}

export async function startPoolKeyCluster(handler: FakeHandler): Promise<PoolKeyCluster> {
  const upstream = startFakeUpstream(handler);
  const cluster = await startCluster(2, { sharedDb: true, env: providerEnv('openai', `${upstream.url}/v1`) });
  const [A, B] = cluster.nodes as [TestGateway, TestGateway];
  const poolKeyId = (await addProviderKey(A.ctx, 'openai', { key: POOL_KEY, weight: 5, label: 'second' })).id;
  expect(await eventually(() => (B.ctx.state.getSnapshot().providers.get('openai')?.keys ?? []).length === 2, 10_000)).toBe(true);
  return {
    upstream, cluster, A, B, poolKeyId,
    async close() {
      await cluster.close();
      upstream.close();
    },
  };
}
