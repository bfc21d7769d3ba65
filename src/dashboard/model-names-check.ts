import { listGroups } from '../admin/groups-service';
import { listModels } from '../admin/models-service';
import type { AppContext } from '../context';
import { isProviderId } from '../providers/types';

/**
 * The names of a key's or team's model allow-list that nothing answers to today: not `*`, not a
 * model id, not a group, not `provider/<anything>` (forwarded even when the models table lacks
 * it). Such a name is saved all the same (the model or group may be added later), but a typo
 * (`gpt4o`) would otherwise allow nothing without a word.
 */
export function unmatchedModelNames(names: readonly string[] | null, known: { models: ReadonlySet<string>; groups: ReadonlySet<string> }): string[] {
  return (names ?? []).filter((n) => {
    if (n === '*' || known.models.has(n) || known.groups.has(n)) return false;
    const slash = n.indexOf('/');
    return !(slash > 0 && isProviderId(n.slice(0, slash)));
  });
}

/** The warning shown after a save (null when every name matches something). */
export async function modelNamesWarning(ctx: AppContext, names: readonly string[] | null): Promise<string | null> {
  if (!names?.length) return null;
  const known = {
    models: new Set((await listModels(ctx)).map((m) => m.id)),
    groups: new Set((await listGroups(ctx)).map((g) => g.name)),
  };
  const unmatched = unmatchedModelNames(names, known);
  if (!unmatched.length) return null;
  const list = unmatched.join(', ');
  return unmatched.length === 1
    ? `Saved, but no model or group is named ${list} today: requests for it are refused until one is added. A typo?`
    : `Saved, but no model or group is named ${list} today: requests for them are refused until they are added. Typos?`;
}
