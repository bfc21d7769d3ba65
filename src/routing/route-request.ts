import { runClassifier, type ClassifierCall, type ClassifierDeps } from './classifier-strategy';
import { nextUnscoredClassifier, resolveRoute, type ClassifierOutcome, type HeuristicMemo } from './resolve-route';
import { routingTextOf } from './routing-text';
import type { RouteDecision } from './types';

/** What routing needs: the classifier step's deps, handed on as they are. */
export type RouteDeps = ClassifierDeps;

export interface RouteResult {
  decision: RouteDecision;
  /**
   * Classifier calls that went upstream (cache hits make none). Log each as its own row:
   * endpoint 'classifier', parentRequestId = the routed request's id.
   */
  classifierCalls: ClassifierCall[];
}

const NO_TEXT = { lastUser: '', totalChars: 0, hasTools: false, messageCount: 0 };

/**
 * resolveRoute plus the classifier, in two steps: first the scores, then one walk. Each
 * classifier group the chosen path meets is scored in turn (its score can change which groups
 * come after it); a failed classifier leaves the group to its heuristic, and the reason says so.
 */
export async function routeRequest(requested: string, body: unknown, deps: RouteDeps): Promise<RouteResult> {
  // Concrete names skip building the text view: most traffic names a model directly.
  const isGroup = deps.snap.groups.has(requested);
  const text = isGroup ? routingTextOf(body) : NO_TEXT;
  const scores = new Map<string, ClassifierOutcome>();
  const classifierCalls: ClassifierCall[] = [];
  const memo: HeuristicMemo = new Map();
  const unscored = () => (isGroup ? nextUnscoredClassifier(requested, text, deps.snap, scores, memo) : null);
  for (let g = unscored(); g; g = unscored()) {
    const { outcome, call } = await runClassifier(g, text, deps);
    scores.set(g.name, outcome);
    if (call) classifierCalls.push(call);
  }
  return { decision: resolveRoute(requested, text, deps.snap, deps.health, { scores }, memo), classifierCalls };
}
