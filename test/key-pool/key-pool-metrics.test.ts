/** /metrics shows each pool key's state (by label and pool id, never the key). */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { parsePrometheus } from '../metrics/parse-prometheus';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { envSlot } from '../helpers/env-key';

setDefaultTimeout(30_000);

const POOL_KEY = 'sk-metrics-pool-key-0000WXYZ';
const clock = { now: 1_800_000_000_000 };
let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({ env: providerEnv('openai', 'http://127.0.0.1:9/v1'), keyPool: new ProviderKeyPool(undefined, () => clock.now) });
});
afterAll(() => gw.close());

const states = async () => {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  expect(text).not.toContain(POOL_KEY);
  expect(text).not.toContain('sk-test-openai-key-0123456789');
  return parsePrometheus(text).samples
    .filter((s) => s.name === 'gophergate_provider_key_state' && s.value === 1)
    .map((s) => `${s.labels.provider}/${s.labels.key}/${s.labels.key_id}=${s.labels.state}`)
    .sort();
};

test('gophergate_provider_key_state: 1 for each key\'s current state, and it follows cooldowns', async () => {
  const { id } = await addProviderKey(gw.ctx, 'openai', { key: POOL_KEY, label: 'spare' });
  expect(await states()).toEqual(['openai/env/env=active', `openai/spare/${id}=active`]);
  gw.ctx.keyPool.states.coolUntil('openai', id, clock.now + 10_000);
  gw.ctx.keyPool.states.setAside('openai', envSlot(gw), clock.now);
  expect(await states()).toEqual(['openai/env/env=set_aside', `openai/spare/${id}=cooling`]);
  clock.now += 10_000;
  expect(await states()).toEqual(['openai/env/env=set_aside', `openai/spare/${id}=active`]);
});
