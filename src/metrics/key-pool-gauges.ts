import type { AppContext } from '../context';
import { PROVIDER_IDS } from '../providers/types';
import { OVERFLOW_LABEL } from './metric-series';
import type { GaugeFamily } from './prometheus-text';

const KEY_STATES = ['active', 'cooling', 'set_aside'] as const;
const RESTING_STATES = ['cooling', 'set_aside'] as const;

/**
 * Provider/model pairs with series of their own in one scrape (those with the most resting keys
 * first); the others add up under `model="other"`. The models come from what clients asked for
 * (an unlisted `openai/<anything>` is forwarded), so the gauge stays bounded whatever they send.
 */
export const MAX_KEY_MODEL_SERIES = 20;

/**
 * Key-pool state at scrape time: one series per provider, key and state, 1 for the key's current
 * state (as gophergate_circuit_state does). `key` is the label, `key_id` the pool id; never the key.
 * Beside it, the keys resting for one model or model class only (key-pool/key-slots.ts: a 429 of
 * a provider that limits per model, a 403 refusing one model), counted per provider, model and state.
 */
export function keyPoolGauges(ctx: Pick<AppContext, 'state' | 'keyPool'>): GaugeFamily[] {
  const samples: GaugeFamily['samples'] = [];
  /** provider -> model -> keys resting for it, by state. */
  const resting = new Map<string, Map<string, Record<(typeof RESTING_STATES)[number], number>>>();
  const snap = ctx.state.getSnapshot();
  for (const provider of PROVIDER_IDS) {
    for (const k of snap.providers.get(provider)?.keys ?? []) {
      const current = ctx.keyPool.stateOf(provider, k).state;
      for (const state of KEY_STATES) samples.push({ labels: { provider, key: k.label, key_id: k.id, state }, value: current === state ? 1 : 0 });
      for (const { model, state } of ctx.keyPool.modelStatesOf(provider, k)) {
        const models = resting.get(provider) ?? resting.set(provider, new Map()).get(provider)!;
        const counts = models.get(model) ?? models.set(model, { cooling: 0, set_aside: 0 }).get(model)!;
        counts[state.state]++;
      }
    }
  }
  return [
    { name: 'gophergate_provider_key_state', help: 'Provider key pool: state of each key (1 for the current state).', type: 'gauge', samples },
    {
      name: 'gophergate_provider_key_model_state',
      help: `Provider key pool: keys resting for one model or model class only, by state (at most ${MAX_KEY_MODEL_SERIES} models, the rest as "other").`,
      type: 'gauge',
      samples: modelSamples(resting),
    },
  ];
}

/** The resting counts as samples: the pairs with the most resting keys first, past MAX_KEY_MODEL_SERIES folded into `other`. */
function modelSamples(resting: Map<string, Map<string, Record<(typeof RESTING_STATES)[number], number>>>): GaugeFamily['samples'] {
  const pairs = [...resting].flatMap(([provider, models]) => [...models].map(([model, counts]) => ({ provider, model, counts })));
  pairs.sort((a, b) => b.counts.cooling + b.counts.set_aside - (a.counts.cooling + a.counts.set_aside) || a.model.localeCompare(b.model));
  const kept = pairs.slice(0, MAX_KEY_MODEL_SERIES);
  const folded = new Map<string, Record<(typeof RESTING_STATES)[number], number>>();
  for (const { provider, counts } of pairs.slice(MAX_KEY_MODEL_SERIES)) {
    const sum = folded.get(provider) ?? folded.set(provider, { cooling: 0, set_aside: 0 }).get(provider)!;
    sum.cooling += counts.cooling;
    sum.set_aside += counts.set_aside;
  }
  for (const [provider, counts] of folded) {
    // A model named `other` kept on its own (a client may ask for `openai/other`) takes the fold: one series, not two.
    const named = kept.find((p) => p.provider === provider && p.model === OVERFLOW_LABEL);
    if (named) named.counts = { cooling: named.counts.cooling + counts.cooling, set_aside: named.counts.set_aside + counts.set_aside };
    else kept.push({ provider, model: OVERFLOW_LABEL, counts });
  }
  return kept.flatMap(({ provider, model, counts }) => RESTING_STATES.map((state) => ({ labels: { provider, model, state }, value: counts[state] })));
}
