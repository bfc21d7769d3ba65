import { validateHeuristicRules } from '../routing/heuristic-strategy';
import type { RuntimeSnapshot } from '../state/snapshot-types';

/**
 * One warning per stored heuristic rule that the save-time check refuses today: a regex or keyword
 * that could backtrack for minutes on a prompt (refused since a later release), or a malformed rule.
 * Such a rule never matches (heuristic-strategy.ts), so the group routes as if it were absent; say
 * so at start instead of letting the routing change quietly after an upgrade.
 */
export function storedRuleWarnings(snapshot: RuntimeSnapshot): string[] {
  const out: string[] = [];
  for (const g of snapshot.groups.values()) {
    for (const p of validateHeuristicRules(g.settings?.rules)) {
      out.push(
        `gophergate: group ${g.name}: ${p.message}. That rule never matches until it is saved again ` +
          `(PATCH /api/groups/${encodeURIComponent(g.name)} or the Groups page).`,
      );
    }
  }
  return out;
}

/**
 * One warning per group or model name that another has but for letter case ("Fast-Flow" and
 * "fast-flow"), which the admin API refuses to create since (admin/case-twin-names.ts) but an
 * earlier release let in. Both keep routing, each by its exact name; the warning only says a 404's
 * "did you mean" hint may name either, and which one to rename or delete.
 */
export function caseTwinWarnings(snapshot: RuntimeSnapshot): string[] {
  const first = new Map<string, { name: string; label: string }>();
  const out: string[] = [];
  for (const [kind, names] of [['group', snapshot.groups.keys()], ['model', snapshot.models.keys()]] as const) {
    for (const name of names) {
      const key = name.toLowerCase();
      const twin = first.get(key);
      if (twin === undefined) first.set(key, { name, label: `${kind} '${name}'` });
      // The same name as a group and a model is no case twin: envModelWarnings says what it does.
      else if (twin.name !== name)
        out.push(`gophergate: ${kind} '${name}' differs from ${twin.label} only in letter case; both route by their exact name, but the two are easily mistaken: consider deleting one.`);
    }
  }
  return out;
}
