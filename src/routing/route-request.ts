import type { RuntimeSnapshot } from '../state/snapshot-types';
import { runClassifier, type CallModel, type ClassifierCall } from './classifier-strategy';
import { MAX_GROUP_DEPTH, NeedsClassifier, resolveRoute, type ClassifierOutcome } from './resolve-route';
import { routingTextOf } from './routing-text';
import { ScoreCache } from './score-cache';
import type { HealthCheck, RouteDecision } from './types';

export interface RouteDeps {
  snap: RuntimeSnapshot;
  /** Usually `breakers.available` (no side effect). */
  health: HealthCheck;
  /** Non-stream completion through the provider layer, for classifier groups. */
  callModel: CallModel;
  /** Defaults to one process-wide cache. */
  cache?: ScoreCache;
  signal?: AbortSignal;
  now?: () => number;
}

export interface RouteResult {
  decision: RouteDecision;
  /**
   * Classifier calls that went upstream (cache hits make none). Log each as its own row:
   * endpoint 'classifier', parentRequestId = the routed request's id.
   */
  classifierCalls: ClassifierCall[];
}

const sharedCache = new ScoreCache();
const NO_TEXT = { lastUser: '', totalChars: 0, hasTools: false, messageCount: 0 };

/**
 * resolveRoute plus the classifier: walks the hierarchy, and each time the chosen path reaches
 * a classifier group without a score, asks its classifier model, then walks again with the
 * score. A failed classifier leaves the group to its heuristic, and the reason says so.
 */
export async function routeRequest(requested: string, body: unknown, deps: RouteDeps): Promise<RouteResult> {
  // Concrete names skip building the text view: most traffic names a model directly.
  const text = deps.snap.groups.has(requested) ? routingTextOf(body) : NO_TEXT;
  const scores = new Map<string, ClassifierOutcome>();
  const classifierCalls: ClassifierCall[] = [];
  const cache = deps.cache ?? sharedCache;
  for (let round = 0; round <= MAX_GROUP_DEPTH; round++) {
    try {
      const decision = resolveRoute(requested, text, deps.snap, deps.health, { scores, stopAtUnscored: true });
      return { decision, classifierCalls };
    } catch (e) {
      if (!(e instanceof NeedsClassifier)) throw e;
      const { outcome, call } = await runClassifier(e.group, text, { ...deps, cache });
      scores.set(e.group.name, outcome);
      if (call) classifierCalls.push(call);
    }
  }
  return { decision: resolveRoute(requested, text, deps.snap, deps.health, { scores }), classifierCalls };
}
