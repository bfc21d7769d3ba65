import { ApiError } from '../errors/api-error';
import { listedCaseTwin } from '../routing';
import type { AdminDeps } from './admin-deps';

/**
 * Refuses (409) a new group name or model id that an existing group or model has but for letter
 * case ("Fast-Flow" beside "fast-flow"). Routing matches names exactly (README, Model groups), so
 * twins would both route, and a 404's "did you mean" hint could name either: the two are mistaken
 * for each other. Matched as that hint matches (routing/case-twin.ts; the names are ASCII, where
 * it is name-key.ts's folding), in the snapshot, which holds every group and model (the table's,
 * disabled ones too, and those LLM_PROXY__PROVIDERS__<P>__MODELS lists). Twins an earlier release
 * let in keep working; only a new one is refused. `kind`: what is being created.
 */
export function refuseCaseTwin(deps: AdminDeps, name: string, kind: 'group' | 'model'): void {
  const snap = deps.state.getSnapshot();
  // Names that exist only: a provider prefix in another case (`OpenAI/x`) is no twin of anything here.
  const group = listedCaseTwin(name, snap.groups.keys());
  const twin = group ?? listedCaseTwin(name, snap.models.keys());
  if (twin === undefined) return;
  const what = group !== undefined ? 'model group' : 'model';
  const same = (group !== undefined) === (kind === 'group');
  const tail = !same
    ? `; choose another ${kind === 'group' ? 'name' : 'id'}.`
    : kind === 'group'
      ? `; use PUT /api/groups/${twin} to change it.`
      : `; use PATCH /api/models/${encodeURIComponent(twin)} to change it.`;
  throw new ApiError({
    status: 409,
    message: `A ${what} named '${twin}' exists: '${name}' differs from it only in letter case, and names are case-sensitive, so the two would be mistaken for each other${tail}`,
    code: group !== undefined ? 'group_exists' : 'model_exists',
    param: kind === 'group' ? 'name' : 'id',
  });
}
