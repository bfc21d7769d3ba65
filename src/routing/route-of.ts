import type { RouteDecision, RouteTarget } from './types';

/**
 * The route string (`dispatcher>heavy-logic>kimi-k2.6`) for the target that actually answered,
 * which after a fallback is not the first one. Falls back to the decision's own path.
 */
export function routeOf(decision: RouteDecision, target?: RouteTarget | null): string {
  const i = target ? decision.targets.indexOf(target) : -1;
  const path = (i >= 0 && decision.targetPaths?.[i]) || decision.path;
  return path.join('>');
}
