import type { RouteDecision, RouteTarget } from './types';

/**
 * The decision with only the targets `keep` accepts (an endpoint skipping those that cannot take
 * the request), their paths kept beside them so the route reported names the model that answered.
 * The reason says which were skipped and why. Null when none is left.
 */
export function keepTargets(decision: RouteDecision, keep: (t: RouteTarget) => boolean, why: string): RouteDecision | null {
  const idx = decision.targets.flatMap((t, i) => (keep(t) ? [i] : []));
  if (idx.length === 0) return null;
  if (idx.length === decision.targets.length) return decision;
  const skipped = decision.targets.filter((_, i) => !idx.includes(i)).map((t) => t.modelId);
  const paths = decision.targetPaths;
  return {
    ...decision,
    targets: idx.map((i) => decision.targets[i]!),
    path: paths?.[idx[0]!] ?? decision.path,
    ...(paths && { targetPaths: idx.map((i) => paths[i] ?? decision.path) }),
    ...(decision.skippedOpen && { skippedOpen: decision.skippedOpen.filter(keep) }),
    reason: [decision.reason, `skipped ${skipped.join(', ')} (${why})`].filter(Boolean).join('; '),
  };
}
