import type { Config } from '../config/config';
import type { SecretBox } from '../crypto/secret-box';
import { PROVIDER_CATALOG } from '../providers/provider-catalog';
import { providerBaseUrl } from '../providers/base-url/provider-base-url';
import { withoutTrailingSlashes } from '../providers/base-url/normalised-base-url';
import { FREE_PROVIDERS, PROVIDER_IDS, type PoolKey, type ProviderId, type ProviderSettings } from '../providers/types';
import { genaiPriceRow } from '../db/seed/model-prices';
import { isImageModelId } from '../providers/image-model-id';
import { modelTarget } from '../routing/resolve-concrete';
import { timeOfDayOf } from '../usage/time-of-day-prices';
import { keyLimitsOf, teamEntries, type LimitColumns, type TeamRow } from '../limits/build-key-limits';
import type { ClientEntry, GroupEntry, RuntimeSnapshot, UnlistedModelLookup } from './snapshot-types';
import { MAX_MODEL_CHARS } from '../routing/model-name';
import type { ModelEntry } from '../providers/model-entry';
import type { LongContextTier } from '../usage/price-types';

/** Rows as read from SQLite (see src/db/schema); kept loose so this stays a pure function. */
export interface SnapshotRows {
  providers: { id: string; enabled: boolean | null; baseUrl: string | null; apiKeyEncrypted: string | null }[];
  models: {
    id: string; provider: string; upstreamId: string; kind: 'chat' | 'image' | 'embedding'; enabled: boolean;
    inputPrice: number; cachedInputPrice: number | null; outputPrice: number; reasoningPrice: number | null; imagePrice: number | null; cacheWritePrice?: number | null;
    contextWindow?: number | null;
    maxOutputTokens?: number | null;
    longContextThreshold?: number | null; longContextInputPrice?: number | null; longContextCachedInputPrice?: number | null;
    longContextCacheWritePrice?: number | null; longContextOutputPrice?: number | null; longContextReasoningPrice?: number | null;
    audioInputPrice?: number | null; audioOutputPrice?: number | null; flexPriceMultiplier?: number | null; priorityPriceMultiplier?: number | null;
    fastPriceMultiplier?: number | null; usInferencePriceMultiplier?: number | null;
    /** models.time_of_day_prices as stored (JSON windows; usage/time-of-day-prices.ts reads them). */
    timeOfDayPrices?: unknown;
  }[];
  groups: { name: string; strategy: 'heuristic' | 'classifier'; targets: string[]; logicLevel: number | null; primaryUse: string; settings: Record<string, unknown> }[];
  clients: ({ id: number; name: string; keyHash: string; revoked: boolean; teamId?: number | null; expiresAt?: number | null } & LimitColumns)[];
  teams?: TeamRow[];
  /** Extra keys of the providers' key pools (provider_keys), encrypted as stored. */
  providerKeys?: { id: number; provider: string; keyEncrypted: string; keyLast4: string; label: string; weight: number }[];
}

function providerSettings(
  id: ProviderId,
  config: Config,
  row: SnapshotRows['providers'][number] | undefined,
  box: SecretBox,
  poolRows: NonNullable<SnapshotRows['providerKeys']> = [],
): ProviderSettings {
  const env = config.providers[id]!;
  let storedKey: string | undefined;
  let unreadableKeys = 0;
  if (row?.apiKeyEncrypted) {
    try {
      storedKey = box.decrypt(row.apiKeyEncrypted);
    } catch {
      // A key made under another encryption key cannot be used; the provider shows as keyless.
      unreadableKeys++;
    }
  }
  const { keys, unreadable, ownKeyCopies } = poolKeys(storedKey ?? env.apiKey, storedKey !== undefined, poolRows, box);
  unreadableKeys += unreadable;
  // A provider with pool keys only uses the first of them where one key is needed (connection test).
  const apiKey = storedKey ?? env.apiKey ?? keys[0]?.apiKey;
  const catalog = PROVIDER_CATALOG[id];
  // A stored base URL with a query or fragment (saved before the admin API refused them): off until set again.
  const badBaseUrl = !!row?.baseUrl && /[?#]/.test(row.baseUrl);
  // Dashboard choice first, then the environment, then: on when it can work (has a key or needs none).
  const enabled = !badBaseUrl && (row?.enabled ?? env.enabled ?? (id === 'mock' ? false : !catalog.needsKey || !!apiKey));
  const givenBaseUrl = row?.baseUrl || env.baseUrl || catalog.defaultBaseUrl;
  // A URL as pasted from a provider's docs (`…/v1/chat/completions`, Gemini's `…/v1beta/openai/`,
  // Anthropic's `…/v1`) would have the calls' paths doubled: taken as meant (stored ones saved
  // before the admin API did the same included), and the start says so (baseUrlChange).
  const normalised = badBaseUrl ? null : providerBaseUrl(id, givenBaseUrl);
  const baseUrl = normalised?.url ?? givenBaseUrl;
  // DeepSeek's beta URL goes through the same rules (`…/beta/chat/completions` as pasted made every
  // prefill call `…/beta/chat/completions/chat/completions`, a 404).
  const beta = env.betaBaseUrl ? providerBaseUrl(id, env.betaBaseUrl) : null;
  return {
    id, enabled, baseUrl, apiKey, keys,
    ...(normalised?.change ? { baseUrlGivenAs: withoutTrailingSlashes(givenBaseUrl), baseUrlChange: normalised.change } : {}),
    ...(beta ? { betaBaseUrl: beta.url } : {}),
    ...(beta?.change ? { betaBaseUrlGivenAs: withoutTrailingSlashes(env.betaBaseUrl!), betaBaseUrlChange: beta.change } : {}),
    ...(unreadableKeys ? { unreadableKeys } : {}),
    ...(ownKeyCopies.length ? { ownKeyCopies } : {}),
    ...(badBaseUrl ? { badBaseUrl: true as const } : {}),
  };
}

/**
 * The provider's own key (`main` when stored, `env` from the environment) first, then its pool rows
 * (and how many of those did not decrypt, and the ids of those holding the own key itself).
 */
function poolKeys(apiKey: string | undefined, stored: boolean, rows: NonNullable<SnapshotRows['providerKeys']>, box: SecretBox): { keys: PoolKey[]; unreadable: number; ownKeyCopies: string[] } {
  const keys: PoolKey[] = [];
  const ownKeyCopies: string[] = [];
  let unreadable = 0;
  if (apiKey && stored) keys.push({ id: 'main', label: 'main', last4: apiKey.slice(-4), weight: 1, apiKey });
  // The env key is each instance's own (instances sharing Redis may hold different ones, and a key
  // replaced in the environment comes back with a restart): its state is kept under its fingerprint,
  // so another instance's 401 or a revoked predecessor's does not rest it.
  else if (apiKey) keys.push({ id: 'env', label: 'env', last4: apiKey.slice(-4), weight: 1, apiKey, stateId: `env.${box.fingerprint(apiKey).slice(0, 16)}` });
  for (const r of rows) {
    try {
      const secret = box.decrypt(r.keyEncrypted);
      // The own key added before it was the own key (OPENAI_API_KEY changed to it, `main` set to
      // it): one pool member, or it would weigh twice and a 429 be sent again with the same key.
      if (secret === apiKey) ownKeyCopies.push(String(r.id));
      else keys.push({ id: String(r.id), label: r.label, last4: r.keyLast4, weight: r.weight, apiKey: secret });
    } catch {
      // Made under another encryption key: left out of the pool (the API lists it as unusable).
      unreadable++;
    }
  }
  return { keys, unreadable, ownKeyCopies };
}

function longContextOf(m: SnapshotRows['models'][number]): LongContextTier | null {
  if (m.longContextThreshold == null) return null;
  return {
    threshold: m.longContextThreshold, input: m.longContextInputPrice ?? null, cachedInput: m.longContextCachedInputPrice ?? null,
    cacheWrite: m.longContextCacheWritePrice ?? null, output: m.longContextOutputPrice ?? null, reasoning: m.longContextReasoningPrice ?? null,
  };
}

/** USD per web search the provider bills (a catalog constant: not a per-model price). */
function webSearchPriceOf(provider: ProviderId): number | null {
  const catalog = PROVIDER_CATALOG[provider];
  return 'webSearchUsd' in catalog ? catalog.webSearchUsd : null;
}

export function buildSnapshot(rows: SnapshotRows, config: Config, box: SecretBox, version: number): RuntimeSnapshot {
  const byId = new Map(rows.providers.map((p) => [p.id, p]));
  const providers = new Map<ProviderId, ProviderSettings>();
  const poolById = Map.groupBy(rows.providerKeys ?? [], (k) => k.provider);
  for (const id of PROVIDER_IDS) providers.set(id, providerSettings(id, config, byId.get(id), box, poolById.get(id)));

  const models = new Map<string, ModelEntry>();
  for (const m of rows.models) {
    if (!(PROVIDER_IDS as readonly string[]).includes(m.provider)) continue;
    models.set(m.id, modelEntryOf(m));
  }
  // Models listed in LLM_PROXY__PROVIDERS__<P>__MODELS join the table unless already known, priced
  // from genai-prices when it has them; otherwise unpriced (free on the local providers).
  const now = Date.now();
  for (const id of PROVIDER_IDS) {
    for (const modelId of config.providers[id]!.models) {
      if (models.has(modelId)) continue;
      // An image model's id (gpt-image-1.5) is one: /v1/images/generations takes it, chat refuses it.
      const kind = isImageModelId(id, modelId) ? 'image' : 'chat';
      const row = genaiPriceRow(id, modelId, now, kind);
      models.set(modelId, row ? modelEntryOf(row) : {
        id: modelId, provider: id, upstreamId: modelId, kind, enabled: true,
        prices: { input: 0, cachedInput: null, output: 0, reasoning: null, image: null },
        ...(FREE_PROVIDERS.has(id) ? {} : { unpriced: true }),
      });
    }
  }

  const groups = new Map<string, GroupEntry>(rows.groups.map((g) => [g.name, { ...g }]));
  const clientsByKeyHash = new Map<string, ClientEntry>();
  const clientsById = new Map<number, ClientEntry>();
  const teams = teamEntries(rows.teams ?? []);
  for (const c of rows.clients) {
    const entry: ClientEntry = { id: c.id, name: c.name, revoked: c.revoked, limits: keyLimitsOf(c, teams) };
    clientsByKeyHash.set(c.keyHash, entry);
    clientsById.set(c.id, entry);
  }
  const modelTargets = new Map([...models].map(([id, m]) => [id, modelTarget(m)]));
  return { version, providers, models, modelTargets, groups, clientsByKeyHash, clientsById, teams, unlistedModel: unlistedModelLookup() };
}

/** Lookups remembered per snapshot (clients choose the names, so the memory is bounded). */
const MAX_UNLISTED_LOOKUPS = 1_000;

/**
 * genai-prices' price of a `provider/<id>` the table lacks, as a model entry (id `provider/<id>`),
 * remembered for the snapshot's life: a lookup takes ~0.1 ms, and a reload may bring the id into
 * the table. Ids longer than any endpoint accepts (MAX_MODEL_CHARS) are not remembered: the limits
 * price a name before some endpoints refuse it (images, embeddings, responses, count_tokens), and
 * 1,000 names as long as a request body would hold gigabytes until the next reload.
 */
function unlistedModelLookup(): UnlistedModelLookup {
  const seen = new Map<string, ModelEntry | null>();
  let chars = 0;
  const lookup = (provider: ProviderId, id: string) => {
    const name = `${provider}/${id}`;
    let entry = seen.get(name);
    if (entry !== undefined) return entry;
    // Priced as its kind (an image model's image tokens at the image rate); its kind stays unknown.
    const row = genaiPriceRow(provider, id, Date.now(), isImageModelId(provider, id) ? 'image' : 'chat');
    entry = row ? { ...modelEntryOf(row), id: name, kind: 'chat', unlisted: true } : null;
    if (seen.size < MAX_UNLISTED_LOOKUPS && id.length <= MAX_MODEL_CHARS) {
      seen.set(name, entry);
      chars += name.length;
    }
    return entry;
  };
  return Object.assign(lookup, { held: () => ({ names: seen.size, chars }) });
}

/** A models-table row as the request path holds it. */
function modelEntryOf(m: SnapshotRows['models'][number]): ModelEntry {
  return {
    id: m.id,
    provider: m.provider as ProviderId,
    upstreamId: m.upstreamId,
    kind: m.kind,
    enabled: m.enabled,
    prices: {
      input: m.inputPrice, cachedInput: m.cachedInputPrice, output: m.outputPrice, reasoning: m.reasoningPrice, image: m.imagePrice, cacheWrite: m.cacheWritePrice ?? null,
      longContext: longContextOf(m),
      audioInput: m.audioInputPrice ?? null, audioOutput: m.audioOutputPrice ?? null,
      flexMultiplier: m.flexPriceMultiplier ?? null, priorityMultiplier: m.priorityPriceMultiplier ?? null,
      fastMultiplier: m.fastPriceMultiplier ?? null, usInferenceMultiplier: m.usInferencePriceMultiplier ?? null,
      webSearch: webSearchPriceOf(m.provider as ProviderId),
      timeOfDay: timeOfDayOf(m.timeOfDayPrices),
    },
    contextWindow: m.contextWindow ?? null,
    maxOutputTokens: m.maxOutputTokens ?? null,
  };
}
