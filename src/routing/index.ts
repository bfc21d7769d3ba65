// Public surface of routing: the proxy, /v1/models, /health and the dashboard import from here.
export type { RouteDecision, RouteTarget, RoutingText, HealthCheck } from './types';
export { resolveConcrete } from './resolve-concrete';
export { routeOf } from './route-of';
export { resolveRoute, nextUnscoredClassifier, MAX_GROUP_DEPTH, type ClassifierOutcome, type ResolveOptions, type HeuristicMemo } from './resolve-route';
export { routeRequest, type RouteDeps, type RouteResult } from './route-request';
export { routingTextOf } from './routing-text';
export { validateGroups, type GroupProblem } from './validate-groups';
export { chooseHeuristic, rulesOf, validateHeuristicRules, DEFAULT_HEURISTIC_RULES, type HeuristicRule } from './heuristic-strategy';
export { bucketOf, bucketRanges, classifierSettingsOf, type ClassifierSettings } from './bucket-map';
export { runClassifier, ClassifierTimeout, parseScore, classifierMessages, type CallModel, type ClassifierCall, type ClassifierMessage } from './classifier-strategy';
export { ScoreCache } from './score-cache';
export { createBreakerRegistry, modelCircuits, modelCircuitsJson, type ModelCircuitJson, type CircuitBreakers, type BreakerOptions, type BreakerView, type ModelCircuitView } from './circuit-breaker';
export { groupsAsModels, type GroupModelObject } from './groups-as-models';
export { caseTwin, listedCaseTwin } from './case-twin';
