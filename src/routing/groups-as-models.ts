import type { RuntimeSnapshot } from '../state/snapshot-types';

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

/** Groups as model-list entries, sorted by name; `created` is unix seconds (groups keep no date). */
export function groupsAsModels(snap: RuntimeSnapshot, created = Math.floor(Date.now() / 1000)): GroupModelObject[] {
  return [...snap.groups.values()]
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
