import { seedGroupRows } from '../../src/db/seed/model-groups';
import { PROVIDER_IDS, type ProviderId, type ProviderSettings } from '../../src/providers/types';
import { routingTextOf } from '../../src/routing/routing-text';
import type { GroupEntry, RuntimeSnapshot } from '../../src/state/snapshot-types';
import type { ModelEntry } from '../../src/providers/model-entry';

/** The seeded groups' models and their providers (as in src/db/seed/model-prices.ts). */
export const SEED_MODEL_PROVIDERS: Record<string, ProviderId> = {
  'deepseek-v4-flash': 'deepseek', 'deepseek-v4-pro': 'deepseek', 'deepseek-chat': 'deepseek', 'deepseek-reasoner': 'deepseek',
  'gpt-5.4-nano': 'openai', 'gpt-5.4-mini': 'openai', 'gpt-4o-mini': 'openai', 'gpt-4o': 'openai',
  'gemini-3-flash-preview': 'gemini', 'gemini-2.0-flash': 'gemini', 'gemini-2.5-pro': 'gemini',
  'grok-4.3': 'grok', 'kimi-k2.6': 'moonshot',
};

export function model(id: string, provider: ProviderId, enabled = true): ModelEntry {
  return { id, provider, upstreamId: id, kind: 'chat', enabled, prices: { input: 1, cachedInput: null, output: 2, reasoning: null, image: null } };
}

export function group(name: string, targets: string[], extra: Partial<GroupEntry> = {}): GroupEntry {
  return { name, strategy: 'heuristic', targets, logicLevel: null, primaryUse: '', settings: {}, ...extra };
}

export interface SnapOpts {
  models?: ModelEntry[];
  groups?: GroupEntry[];
  disabledProviders?: ProviderId[];
  baseUrls?: Partial<Record<ProviderId, string>>;
}

export function makeSnapshot(opts: SnapOpts = {}): RuntimeSnapshot {
  const providers = new Map<ProviderId, ProviderSettings>();
  for (const id of PROVIDER_IDS)
    providers.set(id, { id, enabled: !opts.disabledProviders?.includes(id), baseUrl: opts.baseUrls?.[id] ?? 'http://127.0.0.1:1', apiKey: 'k' });
  const models = opts.models ?? Object.entries(SEED_MODEL_PROVIDERS).map(([id, p]) => model(id, p));
  const groups =
    opts.groups ??
    seedGroupRows(0).map((r) => group(r.name, r.targets, { strategy: r.strategy, logicLevel: r.logicLevel ?? null, primaryUse: r.primaryUse ?? '', settings: r.settings ?? {} }));
  return {
    version: 1,
    providers,
    models: new Map(models.map((m) => [m.id, m])),
    groups: new Map(groups.map((g) => [g.name, g])),
    clientsByKeyHash: new Map(),
  };
}

export const allHealthy = () => true;
export const textOf = (content: string, extra: Record<string, unknown> = {}) =>
  routingTextOf({ model: 'x', messages: [{ role: 'user', content }], ...extra });
