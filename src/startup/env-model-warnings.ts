import type { Config } from '../config/config';
import { PROVIDER_IDS } from '../providers/types';
import type { RuntimeSnapshot } from '../state/snapshot-types';

/**
 * One warning per id in `LLM_PROXY__PROVIDERS__<P>__MODELS` that does not do what the list says.
 * The admin API refuses both cases (a model named like a group, an id another provider's model
 * holds), but a listed id joins the models table only where the name is free (build-snapshot.ts),
 * with no word: an id another provider already has stays that provider's, and one named like a
 * group hides the group (a model is matched before a group), rerouting every group that targets it.
 */
export function envModelWarnings(config: Config, snapshot: RuntimeSnapshot): string[] {
  const out: string[] = [];
  for (const id of PROVIDER_IDS) {
    const setting = `LLM_PROXY__PROVIDERS__${id.toUpperCase()}__MODELS`;
    for (const modelId of config.providers[id]?.models ?? []) {
      const owner = snapshot.models.get(modelId)?.provider;
      if (owner !== undefined && owner !== id) {
        out.push(
          `gophergate: ${setting} lists '${modelId}', a model of provider ${owner} (the models table's, or listed for it first): ` +
            `the name stays ${owner}'s; name it ${id}/${modelId} to reach ${id}, or drop it from the list.`,
        );
      } else if (snapshot.groups.has(modelId)) {
        out.push(
          `gophergate: ${setting} lists '${modelId}', the name of a model group: the name reaches that model on ${id} instead of the group ` +
            `(in requests and in groups that target '${modelId}'); drop it from the list (${id}/${modelId} reaches the model without it).`,
        );
      }
    }
  }
  return out;
}
