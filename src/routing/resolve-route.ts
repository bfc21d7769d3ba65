import { ApiError, modelNotFound } from '../errors/api-error';
import type { GroupEntry, RuntimeSnapshot } from '../state/snapshot-types';
import { bucketOf, classifierSettingsOf } from './bucket-map';
import { chooseHeuristic, rulesOf, type HeuristicChoice, type HeuristicRule } from './heuristic-strategy';
import { resolveConcrete } from './resolve-concrete';
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
  /** Throw NeedsClassifier at the first chosen-path classifier group that has no outcome yet. */
  stopAtUnscored?: boolean;
}

/** Thrown (internally, to routeRequest) when a classifier group must be scored first. */
export class NeedsClassifier {
  constructor(readonly group: GroupEntry) {}
}

export const groupCycleError = (cycle: string[]) =>
  new ApiError(500, `Model group cycle: ${cycle.join(' > ')}. Fix the group's targets in the dashboard.`, 'api_error', 'group_cycle');

interface Candidate {
  target: RouteTarget;
  path: string[];
}

/** Fallback order around the chosen index: the chosen one, stronger ones next, then weaker ones nearest first. */
export function fallbackOrder(chosen: number, n: number): number[] {
  const out = [chosen];
  for (let i = chosen + 1; i < n; i++) out.push(i);
  for (let i = chosen - 1; i >= 0; i--) out.push(i);
  return out;
}

type HeuristicMemo = Map<readonly HeuristicRule[], HeuristicChoice>;

/** What one expansion met besides its candidates: a classifier group makes it uncacheable. */
interface WalkFlags {
  classifier: boolean;
}

function chooseIndex(
  g: GroupEntry,
  text: RoutingText,
  opts: ResolveOptions,
  primary: boolean,
  memo: HeuristicMemo,
  flags: WalkFlags,
): { index: number; reason: string } {
  const n = g.targets.length;
  let prefix = '';
  if (g.strategy === 'classifier') {
    flags.classifier = true;
    const outcome = opts.scores?.get(g.name);
    const cs = classifierSettingsOf(g.settings);
    if (outcome && 'score' in outcome) {
      const index = bucketOf(outcome.score, n, cs);
      const thr = cs.threshold !== null && outcome.score >= cs.threshold ? `, >= threshold ${cs.threshold}` : '';
      return { index, reason: `classifier score ${outcome.score} on ${cs.min}-${cs.max}${outcome.cached ? ' (cached)' : ''}${thr}` };
    }
    if (primary && !outcome && opts.stopAtUnscored) throw new NeedsClassifier(g);
    prefix = outcome ? `classifier failed (${outcome.error}), ` : 'classifier not run, ';
  }
  // Groups sharing a rule list (the defaults, usually) score the text once per request.
  const rules = rulesOf(g.settings);
  let scored = memo.get(rules);
  if (!scored) memo.set(rules, (scored = chooseHeuristic(rules, text, Number.MAX_SAFE_INTEGER)));
  const index = Math.min(scored.index, n - 1);
  const why = scored.matched.length ? `${scored.matched.join(', ')} = ${scored.points} pt` : 'no rule matched';
  return { index, reason: `${prefix}heuristic: ${why}` };
}

/** A group's candidates in fallback order and the reasons of its chosen path, before health. */
interface Expansion {
  out: Candidate[];
  reason: string;
  targets: RouteTarget[];
  targetPaths: string[][];
}

/** Walks the group hierarchy from `requested`, collecting concrete candidates in fallback order. */
function expandGroup(requested: string, text: RoutingText, snap: RuntimeSnapshot, opts: ResolveOptions, memo: HeuristicMemo, flags: WalkFlags): Expansion {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const reasons: string[] = [];
  let expansions = 0;

  const expand = (name: string, stack: string[]): void => {
    if (out.length >= MAX_CANDIDATES || ++expansions > MAX_EXPANSIONS) return;
    let target: RouteTarget | null = null;
    try {
      target = resolveConcrete(name, snap);
    } catch {
      return; // a disabled model or provider: not a candidate
    }
    if (target) {
      const key = `${target.provider}\u0000${target.upstreamModel}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ target, path: [...stack, target.modelId] });
      }
      return;
    }
    const g = snap.groups.get(name);
    if (!g) return; // unknown target: validateGroups refuses it at save time
    if (stack.includes(name)) throw groupCycleError([...stack.slice(stack.indexOf(name)), name]);
    if (stack.length >= MAX_GROUP_DEPTH)
      throw new ApiError(
        500,
        `Model group '${requested}' nests more than ${MAX_GROUP_DEPTH} groups deep (${[...stack, name].join(' > ')}).`,
        'api_error',
        'group_depth_exceeded',
      );
    if (g.targets.length === 0) return;
    // The group is on the chosen path exactly when nothing has been collected yet.
    const primary = out.length === 0;
    const { index, reason } = chooseIndex(g, text, opts, primary, memo, flags);
    if (primary) reasons.push(`${g.name}: ${reason} -> ${g.targets[index]}`);
    const inner = [...stack, name];
    for (const i of fallbackOrder(index, g.targets.length)) expand(g.targets[i]!, inner);
  };
  expand(requested, []);
  return { out, reason: reasons.join('; '), targets: out.map((c) => c.target), targetPaths: out.map((c) => c.path) };
}

/**
 * Expansions of heuristic groups, per snapshot (a snapshot never changes; a reload is a new
 * one). An expansion depends only on the snapshot, the group and what each rule list the walk
 * meets scored on the text, so that score signature keys it: a request scores the rule lists
 * (needed anyway) and reuses the walk. Groups that reach a classifier are never cached.
 */
interface GroupPlan {
  /** Rule lists the group's walk has met, in the order the signature lists them. */
  rules: (readonly HeuristicRule[])[];
  variants: Map<string, Expansion>;
}
const plansBySnapshot = new WeakMap<RuntimeSnapshot, Map<string, GroupPlan | null>>();
// Distinct rule matches are few (subsets of a group's rules); past this the walk is not kept.
const MAX_VARIANTS = 64;

function signature(rules: readonly (readonly HeuristicRule[])[], memo: HeuristicMemo): string {
  let key = '';
  for (const r of rules) {
    const c = memo.get(r)!;
    key += `${c.points}:${c.matched.join(',')};`;
  }
  return key;
}

function cachedExpansion(requested: string, text: RoutingText, snap: RuntimeSnapshot, opts: ResolveOptions): Expansion {
  let plans = plansBySnapshot.get(snap);
  if (!plans) plansBySnapshot.set(snap, (plans = new Map()));
  const plan = plans.get(requested);
  const memo: HeuristicMemo = new Map();
  const flags: WalkFlags = { classifier: false };
  if (plan === null) return expandGroup(requested, text, snap, opts, memo, flags);
  let key = '';
  if (plan) {
    for (const r of plan.rules) memo.set(r, chooseHeuristic(r, text, Number.MAX_SAFE_INTEGER));
    key = signature(plan.rules, memo);
    const hit = plan.variants.get(key);
    if (hit) return hit;
  }
  const known = memo.size;
  const exp = expandGroup(requested, text, snap, opts, memo, flags);
  if (flags.classifier) {
    plans.set(requested, null);
  } else if (!plan || memo.size > known) {
    // First walk, or the walk met a rule list it had not (a truncated hierarchy can): start over.
    const rules = [...memo.keys()];
    plans.set(requested, { rules, variants: new Map([[signature(rules, memo), exp]]) });
  } else if (plan.variants.size < MAX_VARIANTS) {
    plan.variants.set(key, exp);
  }
  return exp;
}

/**
 * Turns a requested model name into an ordered list of concrete targets. Pure: reads only the
 * snapshot, the request's text view and the health check (walks of heuristic groups are reused
 * per snapshot, see cachedExpansion; decisions share their arrays, which nobody mutates).
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
): RouteDecision {
  const concrete = resolveConcrete(requested, snap);
  if (concrete) {
    const reason = snap.models.has(requested) ? 'concrete model' : 'provider pass-through';
    return { requested, targets: [concrete], path: [concrete.modelId], reason, targetPaths: [[concrete.modelId]] };
  }
  if (!snap.groups.has(requested)) throw modelNotFound(requested);

  const exp = cachedExpansion(requested, text, snap, opts);
  const out = exp.out;
  if (out.length === 0)
    throw new ApiError(503, `Model group '${requested}' has no enabled target.`, 'api_error', 'no_available_target');
  let allHealthy = true;
  for (const c of out) {
    if (!health(c.target.provider, c.target.upstreamModel)) {
      allHealthy = false;
      break;
    }
  }
  if (allHealthy) return { requested, targets: exp.targets, path: out[0]!.path, reason: exp.reason, targetPaths: exp.targetPaths };

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
  };
}
