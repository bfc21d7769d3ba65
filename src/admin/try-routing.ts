import type { BreakerRegistry } from '../routing/circuit-breaker';
import type { ProviderId } from '../providers/types';
import { resolveRoute, routingTextOf } from '../routing';
import type { StateStore } from '../state/state-store';

export interface TryRoutingResult {
  requested: string;
  /** Names walked, ending in the concrete model. */
  path: string[];
  reason: string;
  /** First is tried first; the rest are fallbacks in order. */
  targets: { provider: ProviderId; model: string; upstream_model: string }[];
}

/**
 * The decision the router would make for a sample prompt, without sending anything: classifier
 * groups are not asked (that would cost an upstream call), so they show their heuristic
 * fallback and the reason says "classifier not run".
 */
export function tryRouting(deps: { state: StateStore; breakers: BreakerRegistry }, name: string, prompt: string): TryRoutingResult {
  const text = routingTextOf({ messages: [{ role: 'user', content: prompt }] });
  // `allow` may hand out the half-open probe; a dry run must not, so the side-effect-free view.
  const d = resolveRoute(name, text, deps.state.getSnapshot(), (p, m) => deps.breakers.available(p, m));
  return {
    requested: d.requested,
    path: d.path,
    reason: d.reason,
    targets: d.targets.map((t) => ({ provider: t.provider, model: t.modelId, upstream_model: t.upstreamModel })),
  };
}
