import { checkProviderKeyText } from './admin-names';
import { gte, sql } from 'drizzle-orm';
import type { AppContext } from '../context';
import type { CircuitState } from '../routing/circuit-breaker';
import { providers, requestLogs } from '../db/schema';
import { badRequest, notFound } from '../errors/api-error';
import { PROVIDER_CATALOG } from '../providers/provider-catalog';
import { baseUrlChangeText, providerBaseUrl, type NormalisedBaseUrl } from '../providers/base-url/provider-base-url';
import { withoutTrailingSlashes } from '../providers/base-url/normalised-base-url';
import { PROVIDER_IDS, isProviderId, type ProviderId } from '../providers/types';
import { modelCircuits, modelCircuitsJson, type ModelCircuitJson } from '../routing';
import { hasUnsafeChars } from '../security/unsafe-text';
import { urlWithoutQueryValues } from '../config/env-readers';

export type ProviderDeps = Pick<AppContext, 'db' | 'state' | 'secretBox' | 'breakers'> & Partial<Pick<AppContext, 'keyPool'>>;

/** Everything shown about a provider; the key itself never appears, only its last four characters. */
export interface ProviderView {
  id: ProviderId;
  name: string;
  enabled: boolean;
  base_url: string;
  /**
   * What the gateway changed in the base URL as set, and why (a path the calls append themselves
   * taken off, a provider's own host given its `/v1`), or null: after a PATCH that set it, or
   * while the URL in force (from the environment, or stored before) is used changed.
   */
  base_url_note: string | null;
  has_key: boolean;
  /** `dashboard`: stored encrypted here; `env`: from the environment; null: none. */
  key_source: 'dashboard' | 'env' | null;
  api_key_last4: string | null;
  circuit: CircuitState;
  /** The provider's models whose own circuit is open or half-open (the provider's may be closed). */
  model_circuits: ModelCircuitJson[];
  /** Over the last 15 minutes: requests and the share that failed upstream (5xx, 408, 429). */
  recent_requests: number;
  recent_error_rate: number;
}

export interface ProviderPatch {
  enabled?: boolean | null;
  base_url?: string | null;
  api_key?: string | null;
}

const RECENT_MS = 15 * 60 * 1000;

export function requireProviderId(id: string): ProviderId {
  if (!isProviderId(id)) throw notFound(`No provider '${id}'. Known: ${PROVIDER_IDS.join(', ')}.`, 'provider_not_found', 'id');
  return id;
}

async function recentStats(deps: ProviderDeps, now: number): Promise<Map<string, { n: number; errors: number }>> {
  const rows = await deps.db
    .select({
      provider: requestLogs.provider,
      n: sql<number>`count(*)`.mapWith(Number),
      errors: sql<number>`sum(case when ${requestLogs.status} >= 500 or ${requestLogs.status} in (408, 429) then 1 else 0 end)`.mapWith(Number),
    })
    .from(requestLogs)
    .where(gte(requestLogs.createdAt, now - RECENT_MS))
    .groupBy(requestLogs.provider);
  return new Map(rows.map((r) => [r.provider ?? '', { n: r.n, errors: r.errors ?? 0 }]));
}

export async function listProviders(deps: ProviderDeps, now = Date.now()): Promise<ProviderView[]> {
  const snap = deps.state.getSnapshot();
  const rows = new Map((await deps.db.select().from(providers)).map((r) => [r.id, r]));
  const stats = await recentStats(deps, now);
  const models = modelCircuits(deps.breakers);
  return PROVIDER_IDS.map((id) => {
    const s = snap.providers.get(id)!;
    const row = rows.get(id);
    const stored = !!row?.apiKeyEncrypted;
    // The provider's own key, as its pool lists it (`main` stored here, `env` from the environment);
    // s.apiKey may be an added pool key when the provider has no own key.
    const own = s.keys?.find((k) => k.id === 'main' || k.id === 'env');
    const st = stats.get(id) ?? { n: 0, errors: 0 };
    return {
      id,
      name: PROVIDER_CATALOG[id].name,
      enabled: s.enabled,
      // A stored URL with a query (saved before it was refused) may hold a key: its values are not shown.
      base_url: s.badBaseUrl ? urlWithoutQueryValues(s.baseUrl) : s.baseUrl,
      base_url_note: s.baseUrlGivenAs && s.baseUrlChange ? baseUrlChangeText(id, s.baseUrlGivenAs, { url: s.baseUrl, change: s.baseUrlChange }) : null,
      has_key: !!s.apiKey,
      key_source: own?.id === 'main' ? 'dashboard' : own ? 'env' : null,
      api_key_last4: own?.last4 ?? (stored ? (row!.apiKeyLast4 ?? null) : null),
      circuit: deps.breakers.state(id),
      model_circuits: modelCircuitsJson(models, id),
      recent_requests: st.n,
      recent_error_rate: st.n ? st.errors / st.n : 0,
    };
  });
}

export async function getProvider(deps: ProviderDeps, id: string): Promise<ProviderView> {
  const pid = requireProviderId(id);
  return (await listProviders(deps)).find((p) => p.id === pid)!;
}

function checkBaseUrl(url: string, id: ProviderId): NormalisedBaseUrl {
  // URL parsing drops tabs and line breaks silently, so such a value would be stored and shown
  // as one URL while requests go to another (a line break in the host hides where keys are sent).
  if (hasUnsafeChars(url)) throw badRequest('base_url must not contain control, line-break or bidi characters.', 'base_url');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badRequest('base_url must be an absolute http(s) URL, e.g. https://api.openai.com/v1.', 'base_url');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badRequest('base_url must use http or https.', 'base_url');
  if (u.username || u.password) throw badRequest('base_url must not carry credentials; set api_key instead.', 'base_url');
  // As the environment's base URL (config/env-readers.ts readUrl): paths are appended to it, and a
  // key given the Gemini way (`?key=...`) would be stored in clear and shown to every viewer.
  if (u.search || u.hash || /[?#]/.test(url)) throw badRequest('base_url must not hold a query (?) or fragment (#): paths are appended to it; set api_key for the key.', 'base_url');
  // A URL as a provider's docs give it (`…/v1/chat/completions`, Gemini's `…/v1beta/openai/`) is
  // stored as calls use it, and the answer says what was changed (base_url_note).
  return providerBaseUrl(id, url);
}

/**
 * Updates what the dashboard controls. `null` clears a value so the environment's applies
 * again; the API key is stored only as AES-256-GCM ciphertext plus its last four characters.
 */
export async function setProviderSettings(deps: ProviderDeps, id: string, patch: ProviderPatch): Promise<ProviderView> {
  const pid = requireProviderId(id);
  const set: Partial<typeof providers.$inferInsert> = { updatedAt: Date.now() };
  if (patch.enabled !== undefined) set.enabled = patch.enabled;
  let given: NormalisedBaseUrl | null = null;
  if (patch.base_url !== undefined) {
    given = patch.base_url === null || patch.base_url === '' ? null : checkBaseUrl(patch.base_url, pid);
    set.baseUrl = given?.url ?? null;
  }
  if (patch.api_key !== undefined) {
    const key = patch.api_key?.trim() ?? '';
    if (key) checkProviderKeyText(key, 'api_key');
    set.apiKeyEncrypted = key ? deps.secretBox.encrypt(key) : null;
    set.apiKeyLast4 = key ? key.slice(-4) : null;
  }
  await deps.db.insert(providers).values({ id: pid, ...set, updatedAt: set.updatedAt! }).onConflictDoUpdate({ target: providers.id, set });
  // A changed key starts active in the pool (a set-aside one stays so until an admin changes it).
  if (patch.api_key !== undefined) deps.keyPool?.reset(pid, 'main');
  // The provider's circuits judged the old address (an operator fixing a wrong base URL would
  // else get 503 circuit_open for up to a cool-down after "Test connection" said OK).
  if (patch.base_url !== undefined) deps.breakers.reset(pid);
  await deps.state.refresh();
  const view = await getProvider(deps, pid);
  // Stored as calls use it, so the snapshot knows nothing changed: the answer says what this write did.
  return given?.change ? { ...view, base_url_note: baseUrlChangeText(pid, withoutTrailingSlashes(patch.base_url!), given) } : view;
}
