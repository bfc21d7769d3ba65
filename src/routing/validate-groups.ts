import { isProviderId } from '../providers/types';
import type { GroupEntry } from '../state/snapshot-types';
import { MAX_CLASSIFIER_TIMEOUT_MS } from './bucket-map';
import { MAX_GROUP_DEPTH } from './resolve-route';
import { validateHeuristicRules } from './heuristic-strategy';

export interface GroupProblem {
  group: string;
  /** The group's field at fault, as the admin API names it (`targets`, `settings.timeout_ms`, `settings.rules[0].pattern`). */
  field: string;
  message: string;
}

type GroupLike = Pick<GroupEntry, 'name' | 'strategy' | 'targets'> & Partial<Pick<GroupEntry, 'logicLevel' | 'settings'>>;
type ModelIds = ReadonlySet<string> | ReadonlyMap<string, unknown> | readonly string[];

/**
 * Save-time check of the whole group set (the dashboard passes every group, with the edited
 * one replaced): unknown targets, cycles (named, e.g. "a > b > a"), nesting deeper than
 * MAX_GROUP_DEPTH groups, and malformed strategy settings. Empty list: safe to save.
 */
export function validateGroups(groups: Iterable<GroupLike>, models: ModelIds): GroupProblem[] {
  const modelSet: { has(id: string): boolean } = Array.isArray(models) ? new Set(models) : (models as ReadonlySet<string>);
  const byName = new Map<string, GroupLike>();
  for (const g of groups) byName.set(g.name, g);
  const problems: GroupProblem[] = [];
  const add = (group: string, field: string, message: string) => problems.push({ group, field, message });
  const isModel = (t: string) => {
    if (modelSet.has(t)) return true;
    const slash = t.indexOf('/');
    return slash > 0 && isProviderId(t.slice(0, slash)) && slash < t.length - 1;
  };

  for (const g of byName.values()) {
    if (!g.name.trim()) add(g.name, 'name', 'group name must not be empty');
    if (modelSet.has(g.name)) add(g.name, 'name', `group name '${g.name}' is also a model id; the model would always win`);
    if (g.strategy !== 'heuristic' && g.strategy !== 'classifier') add(g.name, 'strategy', `strategy must be 'heuristic' or 'classifier'`);
    if (!Array.isArray(g.targets) || g.targets.length === 0) {
      add(g.name, 'targets', 'a group needs at least one target');
      continue;
    }
    for (const t of g.targets) {
      if (typeof t !== 'string' || !(byName.has(t) || isModel(t)))
        add(g.name, 'targets', `unknown target '${String(t)}': not a model id, provider/model or group`);
    }
    if (g.logicLevel != null && (!Number.isInteger(g.logicLevel) || g.logicLevel < 1 || g.logicLevel > 10))
      add(g.name, 'logic_level', 'logic_level must be an integer from 1 to 10');
    const s = g.settings ?? {};
    for (const p of validateHeuristicRules(s.rules)) add(g.name, p.field, p.message);
    if (g.strategy === 'classifier') {
      const cm = s.classifier_model;
      if (typeof cm !== 'string' || !cm) add(g.name, 'settings.classifier_model', 'settings.classifier_model is required for the classifier strategy');
      else if (!isModel(cm)) add(g.name, 'settings.classifier_model', `classifier model '${cm}' is not a model id or provider/model`);
      const min = s.scale_min ?? 1;
      const max = s.scale_max ?? 10;
      if (!Number.isInteger(min) || !Number.isInteger(max) || (max as number) <= (min as number))
        add(g.name, Number.isInteger(min) ? 'settings.scale_max' : 'settings.scale_min', 'settings.scale_min and scale_max must be integers with scale_min < scale_max');
      if (s.threshold !== undefined && s.threshold !== null && typeof s.threshold !== 'number')
        add(g.name, 'settings.threshold', 'settings.threshold must be a number');
      if (s.timeout_ms !== undefined && (typeof s.timeout_ms !== 'number' || !(s.timeout_ms > 0 && s.timeout_ms <= MAX_CLASSIFIER_TIMEOUT_MS)))
        add(g.name, 'settings.timeout_ms', `settings.timeout_ms must be a positive number of at most ${MAX_CLASSIFIER_TIMEOUT_MS} (10 minutes)`);
    }
  }

  // Cycles and depth: a walk from every group, following targets that are groups.
  const reported = new Set<string>();
  const depthMemo = new Map<string, { depth: number; chain: string[] }>();
  const longest = (name: string, stack: string[]): { depth: number; chain: string[] } => {
    const memo = depthMemo.get(name);
    if (memo) return memo;
    const at = stack.indexOf(name);
    if (at >= 0) {
      const cycle = [...stack.slice(at), name];
      // One message per group in the cycle, each naming the cycle from itself.
      for (let i = 0; i < cycle.length - 1; i++) {
        const member = cycle[i]!;
        if (reported.has(member)) continue;
        reported.add(member);
        const rotated = [...cycle.slice(i, -1), ...cycle.slice(0, i), member];
        add(member, 'targets', `cycle: ${rotated.join(' > ')}`);
      }
      return { depth: 0, chain: [] };
    }
    let best = { depth: 0, chain: [] as string[] };
    const g = byName.get(name)!;
    for (const t of Array.isArray(g.targets) ? g.targets : []) {
      if (!byName.has(t) || isModelShadow(t)) continue;
      const sub = longest(t, [...stack, name]);
      if (sub.depth > best.depth) best = sub;
    }
    const result = { depth: best.depth + 1, chain: [name, ...best.chain] };
    if (!stack.some((s) => reported.has(s)) && !reported.has(name)) depthMemo.set(name, result);
    return result;
  };
  // A target that is a model id resolves to the model, never to a same-named group.
  const isModelShadow = (t: string) => modelSet.has(t);
  for (const name of byName.keys()) {
    const { depth, chain } = longest(name, []);
    if (depth > MAX_GROUP_DEPTH && !reported.has(name))
      add(name, 'targets', `nests ${depth} groups deep (${chain.join(' > ')}); the limit is ${MAX_GROUP_DEPTH}`);
  }
  return problems;
}
