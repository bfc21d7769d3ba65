import type { AppContext } from '../context';
import { PROVIDER_IDS } from '../providers/types';
import type { GaugeFamily } from './prometheus-text';

const KEY_STATES = ['active', 'cooling', 'set_aside'] as const;

/**
 * Key-pool state at scrape time: one series per provider, key and state, 1 for the key's current
 * state (as gophergate_circuit_state does). `key` is the label, `key_id` the pool id; never the key.
 */
export function keyPoolGauges(ctx: Pick<AppContext, 'state' | 'keyPool'>): GaugeFamily[] {
  const samples: GaugeFamily['samples'] = [];
  const snap = ctx.state.getSnapshot();
  for (const provider of PROVIDER_IDS) {
    for (const k of snap.providers.get(provider)?.keys ?? []) {
      const current = ctx.keyPool.stateOf(provider, k.id).state;
      for (const state of KEY_STATES) samples.push({ labels: { provider, key: k.label, key_id: k.id, state }, value: current === state ? 1 : 0 });
    }
  }
  return [{ name: 'gophergate_provider_key_state', help: 'Provider key pool: state of each key (1 for the current state).', type: 'gauge', samples }];
}
