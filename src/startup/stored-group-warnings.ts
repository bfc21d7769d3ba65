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
