import { ApiError, modelNotFound } from '../errors/api-error';
import type { GroupEntry, RuntimeSnapshot } from '../state/snapshot-types';
import { bucketOf, classifierSettingsOf } from './bucket-map';
import { chooseHeuristic, rulesOf, type HeuristicChoice, type HeuristicRule } from './heuristic-strategy';
import { resolveConcrete } from './resolve-concrete';
import { caseTwin } from './case-twin';
import type { HealthCheck, RouteDecision, RouteTarget, RoutingText } from './types';

/** Groups a path may walk; the 11th is refused. */
export const MAX_GROUP_DEPTH = 10;
// Fallbacks past this many are never tried (the proxy bounds attempts far lower); the cap
// also keeps a wide diamond of groups from expanding without end.
const MAX_CANDIDATES = 16;
const MAX_EXPANSIONS = 256;

/** What the classifier said for one group: a score, or why there is none. */
export type ClassifierOutcome = { score: number; cached: boolean } | { error: string };

export interface ResolveOptions {
  /** Classifier outcomes by group name; a classifier group without one uses its heuristic. */
  scores?: ReadonlyMap<string, ClassifierOutcome>;
}

export const groupCycleError = (cycle: string[]) =>
  new ApiError({
    status: 500,
    message: `Model group cycle: ${cycle.join(' > ')}. Fix the group's targets in the dashboard.`,
    type: 'api_error',
    code: 'group_cycle',
  });

interface Candidate {
  target: RouteTarget;
  path: string[];
}

/**
 * The k-th index of the fallback order around the chosen one: the chosen target, stronger ones
 * next, then weaker ones nearest first (computed, not listed: the walks run per request).
 */
function fallbackAt(chosen: number, n: number, k: number): number {
  const stronger = n - 1 - chosen;
  return k <= stronger ? chosen + k : chosen - (k - stronger);
}

/** Heuristic choices by rule list: groups sharing a rule list (the defaults, usually) score the text once per request. */
export type HeuristicMemo = Map<readonly HeuristicRule[], HeuristicChoice>;

/** Which target a group chooses, and what decided it (turned into words only for the chosen path). */
interface Choice {
  index: number;
  /** The group's classifier outcome, when it is a classifier group. */
  outcome?: ClassifierOutcome;
  /** The heuristic's score, when the heuristic decided. */
  heuristic?: HeuristicChoice;
}

function choose(g: GroupEntry, text: RoutingText, scores: ReadonlyMap<string, ClassifierOutcome> | undefined, memo: HeuristicMemo): Choice {
  const n = g.targets.length;
  const outcome = g.strategy === 'classifier' ? scores?.get(g.name) : undefined;
  if (outcome && 'score' in outcome) return { index: bucketOf(outcome.score, n, classifierSettingsOf(g.settings)), outcome };
  const rules = rulesOf(g.settings);
  let heuristic = memo.get(rules);
  if (!heuristic) memo.set(rules, (heuristic = chooseHeuristic(rules, text, Number.MAX_SAFE_INTEGER)));
  return { index: Math.min(heuristic.index, n - 1), outcome, heuristic };
}

/** The decision's reason for one group on the chosen path. */
function describe(g: GroupEntry, c: Choice): string {
  const o = c.outcome;
  if (o && 'score' in o) {
    const cs = classifierSettingsOf(g.settings);
    const thr = cs.threshold !== null && o.score >= cs.threshold ? `, >= threshold ${cs.threshold}` : '';
    return `classifier score ${o.score} on ${cs.min}-${cs.max}${o.cached ? ' (cached)' : ''}${thr}`;
  }
  const prefix = g.strategy !== 'classifier' ? '' : o ? `classifier failed (${o.error}), ` : 'classifier not run, ';
  const h = c.heuristic!;
  const why = h.matched.length ? `${h.matched.join(', ')} = ${h.points} pt` : 'no rule matched';
  return `${prefix}heuristic: ${why}`;
}

/** The group named `name` when the walk may enter it; throws on a cycle or too deep a nesting. */
function enterGroup(requested: string, name: string, stack: string[], snap: RuntimeSnapshot): GroupEntry | null {
  const g = snap.groups.get(name);
  if (!g) return null; // unknown target: validateGroups refuses it at save time
  if (stack.includes(name)) throw groupCycleError([...stack.slice(stack.indexOf(name)), name]);
  if (stack.length >= MAX_GROUP_DEPTH)
    throw new ApiError({
      status: 500,
      message: `Model group '${requested}' nests more than ${MAX_GROUP_DEPTH} groups deep (${[...stack, name].join(' > ')}).`,
      type: 'api_error',
      code: 'group_depth_exceeded',
    });
  return g;
}

/** A concrete target for `name`, or null (a group, an unknown name, or a disabled model or provider). */
function concreteOrNull(name: string, snap: RuntimeSnapshot): RouteTarget | null {
  try {
    return resolveConcrete(name, snap);
  } catch {
    return null; // a disabled model or provider: not a candidate
  }
}

/**
 * The first classifier group on the chosen path that has no outcome in `scores` yet, or null
 * when every group the walk will choose in is decided. The chosen path is what resolveRoute
 * walks before it collects its first candidate: the chosen target of each group, and the
 * next ones in fallback order while a branch leads to no enabled model. Pure; routeRequest
 * scores the group it returns and asks again, so scores are all known before the one walk.
 */
export function nextUnscoredClassifier(
  requested: string,
  text: RoutingText,
  snap: RuntimeSnapshot,
  scores: ReadonlyMap<string, ClassifierOutcome>,
  memo: HeuristicMemo = new Map(),
): GroupEntry | null {
  let expansions = 0;
  // true: a candidate was reached (the chosen path ends there); a group: it needs a score.
  const stack: string[] = []; // the groups entered on the way to `name`
  const visit = (name: string): GroupEntry | boolean => {
    if (++expansions > MAX_EXPANSIONS) return true;
    if (concreteOrNull(name, snap)) return true;
    const g = enterGroup(requested, name, stack, snap);
    if (!g || g.targets.length === 0) return false;
    if (g.strategy === 'classifier' && !scores.has(g.name)) {
      // A score only picks between models: with none enabled behind the group (the request ends
      // 503 or goes on to a fallback) or just one, asking the classifier would bill the key for nothing.
      const n = modelsBehind(requested, name, stack, snap, 2);
      return n === 0 ? false : n === 1 ? true : g;
    }
    const { index } = choose(g, text, scores, memo);
    const n = g.targets.length;
    stack.push(name);
    for (let k = 0; k < n; k++) {
      const r = visit(g.targets[fallbackAt(index, n, k)]!);
      if (r !== false) return r;
    }
    stack.pop();
    return false;
  };
  const r = visit(requested);
  return r === true || r === false ? null : r;
}

/**
 * How many distinct enabled models `name` leads to, counted up to `cap` (`stack`: the groups
 * entered on the way to it, for the cycle and depth checks).
 */
function modelsBehind(requested: string, name: string, stack: string[], snap: RuntimeSnapshot, cap: number): number {
  const seen = new Set<string>();
  let expansions = 0;
  const path = [...stack];
  const count = (n: string): void => {
    if (seen.size >= cap || ++expansions > MAX_EXPANSIONS) return;
    const t = concreteOrNull(n, snap);
    if (t) return void seen.add(`${t.provider}/${t.upstreamModel}`);
    const g = enterGroup(requested, n, path, snap);
    if (!g) return;
    path.push(n);
    for (const x of g.targets) count(x);
    path.pop();
  };
  count(name);
  return seen.size;
}

/** A group's candidates in fallback order and the reasons of its chosen path, before health. */
interface Expansion {
  out: Candidate[];
  reason: string;
}

/** Walks the group hierarchy from `requested` once, collecting concrete candidates in fallback order. */
function expandGroup(requested: string, text: RoutingText, snap: RuntimeSnapshot, opts: ResolveOptions, memo: HeuristicMemo): Expansion {
  const out: Candidate[] = [];
  let reason = '';
  let expansions = 0;
  const stack: string[] = []; // the groups entered on the way to `name`

  const expand = (name: string): void => {
    if (out.length >= MAX_CANDIDATES || ++expansions > MAX_EXPANSIONS) return;
    const target = concreteOrNull(name, snap);
    if (target) {
      // At most MAX_CANDIDATES: a scan finds a repeat without building keys.
      if (!out.some((c) => c.target.provider === target.provider && c.target.upstreamModel === target.upstreamModel))
        out.push({ target, path: [...stack, target.modelId] });
      return;
    }
    const g = enterGroup(requested, name, stack, snap);
    if (!g || g.targets.length === 0) return;
    const choice = choose(g, text, opts.scores, memo);
    const n = g.targets.length;
    // The group is on the chosen path exactly when nothing has been collected yet.
    const onPath = out.length === 0;
    if (onPath) reason += `${reason ? '; ' : ''}${g.name}: ${describe(g, choice)} -> ${g.targets[choice.index]}`;
    stack.push(name);
    for (let k = 0; k < n; k++) {
      expand(g.targets[fallbackAt(choice.index, n, k)]!);
      // The pick led to no enabled model (its provider or model off): the route is the next in fallback order.
      if (k === 0 && onPath && out.length === 0) reason += ' (no enabled model there: next in fallback order)';
    }
    stack.pop();
  };
  expand(requested);
  return { out, reason };
}

/**
 * Turns a requested model name into an ordered list of concrete targets. Pure: reads only the
 * snapshot, the request's text view, the classifier scores already resolved and the health check.
 *
 * A concrete name (`gpt-4o`, `ollama/llama3`) gives one target, healthy or not (the proxy
 * answers 503 for an open breaker). A group walks its strategy's choice down to a concrete
 * model; the remaining targets follow as fallbacks, innermost group first. Targets whose
 * breaker is open are left out unless every target is open.
 */
export function resolveRoute(
  requested: string,
  text: RoutingText,
  snap: RuntimeSnapshot,
  health: HealthCheck,
  opts: ResolveOptions = {},
  memo: HeuristicMemo = new Map(),
): RouteDecision {
  const concrete = resolveConcrete(requested, snap);
  if (concrete) {
    const reason = snap.models.has(requested) ? 'concrete model' : 'provider pass-through';
    return { requested, targets: [concrete], path: [concrete.modelId], reason, targetPaths: [[concrete.modelId]] };
  }
  if (!snap.groups.has(requested)) throw modelNotFound(requested, undefined, caseTwin(requested, snap.groups.keys(), snap.models.keys()));

  const exp = expandGroup(requested, text, snap, opts, memo);
  const out = exp.out;
  if (out.length === 0)
    throw new ApiError({ status: 503, message: `Model group '${requested}' has no enabled target.`, type: 'api_error', code: 'no_available_target' });
  let allHealthy = true;
  for (const c of out) {
    if (!health(c.target.provider, c.target.upstreamModel)) {
      allHealthy = false;
      break;
    }
  }
  if (allHealthy) return { requested, targets: out.map((c) => c.target), path: out[0]!.path, reason: exp.reason, targetPaths: out.map((c) => c.path) };

  const reasons = exp.reason ? [exp.reason] : [];
  const healthy = out.filter((c) => health(c.target.provider, c.target.upstreamModel));
  const chosen = healthy.length ? healthy : out;
  if (healthy.length && healthy[0] !== out[0]) {
    const skipped = out.slice(0, out.indexOf(healthy[0]!)).map((c) => c.target.modelId);
    reasons.push(`skipped open circuit: ${skipped.join(', ')}`);
  } else if (!healthy.length) {
    reasons.push('every target has an open circuit');
  }
  return {
    requested,
    targets: chosen.map((c) => c.target),
    path: chosen[0]!.path,
    reason: reasons.join('; '),
    targetPaths: chosen.map((c) => c.path),
    ...(healthy.length ? { skippedOpen: out.filter((c) => !healthy.includes(c)).map((c) => c.target) } : {}),
  };
}
