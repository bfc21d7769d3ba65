import { modelNotFound } from '../errors/api-error';
import { FREE_PROVIDERS, isProviderId, type ProviderId } from '../providers/types';
import type { RuntimeSnapshot } from '../state/snapshot-types';
import type { ModelEntry } from '../providers/model-entry';
import type { RouteTarget } from './types';
import { ollamaTwin } from '../providers/ollama/ollama-tag';

/** A models-table entry as a route target (the snapshot makes each once: RuntimeSnapshot.modelTargets). */
export function modelTarget(entry: ModelEntry): RouteTarget {
  return { provider: entry.provider, upstreamModel: entry.upstreamId, modelId: entry.id, entry };
}

/**
 * Resolves a name that is not a group: `provider/model` goes to that provider even when the
 * id is unknown (a model of the table, though, only while enabled); a bare id must be an enabled
 * model of an enabled provider. Returns null when
 * the name is neither (the caller then tries groups, or answers 404).
 */
export function resolveConcrete(name: string, snap: RuntimeSnapshot): RouteTarget | null {
  const entry = snap.models.get(name) ?? ollamaTwin(name, snap.models);
  if (entry) {
    if (!entry.enabled) throw modelNotFound(name);
    if (!snap.providers.get(entry.provider)?.enabled) throw modelNotFound(name, providerOffReason(entry.provider, snap));
    return snap.modelTargets?.get(entry.id) ?? modelTarget(entry);
  }
  const slash = name.indexOf('/');
  if (slash > 0) {
    const provider = name.slice(0, slash);
    const upstreamModel = name.slice(slash + 1);
    if (isProviderId(provider) && upstreamModel) {
      if (!snap.providers.get(provider)?.enabled) throw modelNotFound(name, providerOffReason(provider, snap));
      // `ollama/llama3.2` is the table's `llama3.2:latest` (and the reverse), as a bare id is.
      const known = snap.models.get(upstreamModel) ?? (provider === 'ollama' ? ollamaTwin(upstreamModel, snap.models) : undefined);
      if (known && known.provider === provider) {
        // Disabled in the table is disabled under every name, `provider/id` included.
        if (!known.enabled) throw modelNotFound(name);
        return snap.modelTargets?.get(known.id) ?? modelTarget(known);
      }
      // An unknown id still reaches its provider; a dated Anthropic snapshot bills as its model.
      return { provider, upstreamModel, modelId: name, entry: pricedAs(provider, upstreamModel, snap) };
    }
  }
  return null;
}

/**
 * Why a provider is off, and what turns it on, in the 404 of a model it serves: a first try of a
 * seeded name (`gpt-4o`) with no key set otherwise reads as if the gateway did not know the model.
 */
function providerOffReason(id: ProviderId, snap: RuntimeSnapshot): string {
  const p = snap.providers.get(id);
  const upper = id.toUpperCase();
  if (FREE_PROVIDERS.has(id) || p?.apiKey || p?.keys?.length)
    return `its provider '${id}' is off (the dashboard's Providers page or LLM_PROXY__PROVIDERS__${upper}__ENABLED=true turns it on)`;
  return `its provider '${id}' has no API key (set ${upper}_API_KEY, or add one on the dashboard's Providers page)`;
}

/**
 * The entry `provider/upstreamModel` bills at: the provider's own model of that id, or for
 * Anthropic's dated snapshot of a known model (`claude-sonnet-4-5-20250929` of `claude-sonnet-4-5`,
 * which Claude Code asks for) that model, as Anthropic prices a snapshot as its alias (the upstream
 * still gets the dated id); else the bundled genai-prices data's price for it (snap.unlistedModel).
 * Null: unpriced.
 */
export function pricedAs(provider: string, upstreamModel: string, snap: RuntimeSnapshot): ModelEntry | null {
  const known = snap.models.get(upstreamModel);
  if (known?.provider === provider) return known;
  if (provider === 'anthropic' && !known) {
    const base = /^(claude-.+)-\d{8}$/.exec(upstreamModel)?.[1];
    const entry = base ? snap.models.get(base) : undefined;
    if (entry && entry.provider === 'anthropic') return entry;
  }
  return isProviderId(provider) ? (snap.unlistedModel?.(provider, upstreamModel) ?? null) : null;
}

/**
 * Whether what a target costs is unknown: no entry prices it (nor genai-prices) and its provider
 * is not a free local one, or its entry is an unpriced LLM_PROXY__PROVIDERS__<P>__MODELS id.
 */
export function isUnpricedTarget(t: Pick<RouteTarget, 'provider' | 'entry'>): boolean {
  return t.entry ? t.entry.unpriced === true : !FREE_PROVIDERS.has(t.provider);
}
