/**
 * The provider's key from the environment as the gateway's pool holds it: its state is kept under
 * its own slot (stateKeyOf: `env.` and the key's fingerprint), not under the id `env` the API and
 * log rows show, so a test that reads or sets the env key's state directly goes through these.
 */
import { stateKeyOf } from '../../src/key-pool/key-pool';
import type { PoolKey, ProviderId } from '../../src/providers/types';
import type { TestGateway } from './start-gateway';

export function envKeyOf(gw: Pick<TestGateway, 'ctx'>, provider: ProviderId = 'openai'): PoolKey {
  const key = gw.ctx.state.getSnapshot().providers.get(provider)?.keys?.find((k) => k.id === 'env');
  if (!key) throw new Error(`${provider} has no key from the environment`);
  return key;
}

/** Where the pool keeps the env key's state (its slots for one model start with it). */
export const envSlot = (gw: Pick<TestGateway, 'ctx'>, provider: ProviderId = 'openai'): string => stateKeyOf(envKeyOf(gw, provider));
