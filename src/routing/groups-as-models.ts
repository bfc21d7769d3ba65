import type { RuntimeSnapshot } from '../state/snapshot-types';
import { resolveRoute } from './resolve-route';

/** A `GET /v1/models` entry for a group: OpenAI's model object plus the group's metadata. */
export interface GroupModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: 'gophergate';
  group: true;
  strategy: 'heuristic' | 'classifier';
  targets: string[];
  logic_level: number | null;
  primary_use: string;
}

const NO_TEXT = { lastUser: '', totalChars: 0, hasTools: false, messageCount: 0 };

/**
 * Whether a group leads to at least one enabled model of an enabled provider. One that does not
 * (the seeded `heavy-logic` on a gateway with only OpenAI configured) answers every request 503
 * no_available_target, so it is not listed, as the models of a disabled provider are not.
 */
function servable(name: string, snap: RuntimeSnapshot): boolean {
  try {
    return resolveRoute(name, NO_TEXT, snap, () => true).targets.length > 0;
  } catch {
    return false; // no enabled target, or a cycle the dashboard refused to save
  }
}

/**
 * Groups that can serve, as model-list entries, sorted by name; `created` is unix seconds
 * (groups keep no date).
 */
export function groupsAsModels(snap: RuntimeSnapshot, created = Math.floor(Date.now() / 1000)): GroupModelObject[] {
  return [...snap.groups.values()]
    .filter((g) => servable(g.name, snap))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((g) => ({
      id: g.name,
      object: 'model',
      created,
      owned_by: 'gophergate',
      group: true,
      strategy: g.strategy,
      targets: [...g.targets],
      logic_level: g.logicLevel,
      primary_use: g.primaryUse,
    }));
}
