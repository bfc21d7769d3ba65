import { modelNotFound } from '../errors/api-error';
import { isProviderId } from '../providers/types';
import type { RuntimeSnapshot } from '../state/snapshot-types';
import type { RouteTarget } from './types';

/**
 * Resolves a name that is not a group: `provider/model` goes to that provider even when the
 * id is unknown; a bare id must be an enabled model of an enabled provider. Returns null when
 * the name is neither (the caller then tries groups, or answers 404).
 */
export function resolveConcrete(name: string, snap: RuntimeSnapshot): RouteTarget | null {
  const entry = snap.models.get(name);
  if (entry) {
    if (!entry.enabled || !snap.providers.get(entry.provider)?.enabled) throw modelNotFound(name);
    return { provider: entry.provider, upstreamModel: entry.upstreamId, modelId: entry.id, entry };
  }
  const slash = name.indexOf('/');
  if (slash > 0) {
    const provider = name.slice(0, slash);
    const upstreamModel = name.slice(slash + 1);
    if (isProviderId(provider) && upstreamModel) {
      if (!snap.providers.get(provider)?.enabled) throw modelNotFound(name);
      // A known model named through its provider keeps its prices.
      const known = snap.models.get(upstreamModel);
      const entry = known && known.provider === provider ? known : null;
      if (!entry && provider === 'anthropic') {
        const base = undatedAnthropicModel(upstreamModel, snap);
        if (base) return { provider, upstreamModel, modelId: name, entry: base };
      }
      return { provider, upstreamModel: entry?.upstreamId ?? upstreamModel, modelId: entry?.id ?? name, entry };
    }
  }
  return null;
}

/**
 * Anthropic's dated snapshot of a known model (`claude-sonnet-4-5-20250929` of `claude-sonnet-4-5`,
 * which Claude Code asks for): the model whose prices it bills at, as Anthropic prices a snapshot
 * as its alias. The upstream still gets the dated id.
 */
function undatedAnthropicModel(upstreamModel: string, snap: RuntimeSnapshot) {
  const base = /^(claude-.+)-\d{8}$/.exec(upstreamModel)?.[1];
  const entry = base ? snap.models.get(base) : undefined;
  return entry && entry.provider === 'anthropic' ? entry : null;
}
