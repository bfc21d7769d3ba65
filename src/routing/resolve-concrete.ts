import { modelNotFound } from '../errors/api-error';
import { isProviderId } from '../providers/types';
import type { ModelEntry, RuntimeSnapshot } from '../state/snapshot-types';
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
      const known = snap.models.get(upstreamModel);
      if (known && known.provider === provider) return { provider, upstreamModel: known.upstreamId, modelId: known.id, entry: known };
      // An unknown id still reaches its provider; a dated Anthropic snapshot bills as its model.
      return { provider, upstreamModel, modelId: name, entry: pricedAs(provider, upstreamModel, snap) };
    }
  }
  return null;
}

/**
 * The models-table entry `provider/upstreamModel` bills at: the provider's own model of that id,
 * or for Anthropic's dated snapshot of a known model (`claude-sonnet-4-5-20250929` of
 * `claude-sonnet-4-5`, which Claude Code asks for) that model, as Anthropic prices a snapshot as
 * its alias (the upstream still gets the dated id). Null: unpriced.
 */
export function pricedAs(provider: string, upstreamModel: string, snap: RuntimeSnapshot): ModelEntry | null {
  const known = snap.models.get(upstreamModel);
  if (known) return known.provider === provider ? known : null;
  if (provider !== 'anthropic') return null;
  const base = /^(claude-.+)-\d{8}$/.exec(upstreamModel)?.[1];
  const entry = base ? snap.models.get(base) : undefined;
  return entry && entry.provider === 'anthropic' ? entry : null;
}
