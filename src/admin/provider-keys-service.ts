import { and, eq, gte, sql, type SQL } from 'drizzle-orm';
import { roundUsd } from '../usage/cost';
import { decimalId } from './decimal-id';
import { orConflict } from '../db/unique-violation';
import type { AppContext } from '../context';
import { providerKeys, providers, requestLogs } from '../db/schema';
import { ApiError, badRequest, notFound } from '../errors/api-error';
import { checkAdminName, checkProviderKeyText } from './admin-names';
import { requireProviderId } from './providers-service';
import { stateKeyOf } from '../key-pool/key-pool';

export type ProviderKeyDeps = Pick<AppContext, 'db' | 'state' | 'secretBox' | 'keyPool'>;

/** One key of a provider's pool as shown: never the key, only its last four characters. */
export interface ProviderKeyView {
  /** A provider_keys id, `main` (the provider's own stored key) or `env` (from <P>_API_KEY). */
  id: string;
  label: string;
  last4: string;
  weight: number;
  state: 'active' | 'cooling' | 'set_aside';
  /** ISO 8601 UTC end of the cooldown while `cooling`, else null. */
  cooling_until: string | null;
  /** Models (or Anthropic model classes, `class:opus-4`) the key is cooling or set aside for, while it serves the others. */
  models: { model: string; state: 'cooling' | 'set_aside'; cooling_until: string | null }[];
  /** Set when the key cannot be used at all (stored under another encryption key). */
  error?: string;
  /** Requests whose last try used this key over the last 24 hours, failed ones and their cost included. */
  usage_24h: { requests: number; errors: number; cost_usd: number };
}

export interface NewProviderKey {
  key: string;
  weight?: number;
  /** null or left out: `key-<last4>`. */
  label?: string | null;
}

/** The label of a key given none (or whose label was cleared with null). */
const defaultLabel = (last4: string) => `key-${last4}`;

const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_KEY_WEIGHT = 1000;

async function usageByKey(deps: ProviderKeyDeps, provider: string, now: number) {
  const rows = await deps.db
    .select({
      key: requestLogs.providerKeyId,
      n: sql<number>`count(*)`.mapWith(Number),
      errors: sql<number>`sum(case when ${requestLogs.status} >= 400 then 1 else 0 end)`.mapWith(Number),
      cost: sql<number>`sum(${requestLogs.costUsd})`.mapWith(Number),
    })
    .from(requestLogs)
    .where(and(eq(requestLogs.provider, provider), gte(requestLogs.createdAt, now - DAY_MS)))
    .groupBy(requestLogs.providerKeyId);
  return new Map(rows.map((r) => [r.key ?? '', { requests: r.n, errors: r.errors ?? 0, cost_usd: roundUsd(r.cost ?? 0) }]));
}

/** The provider's pool: its own key (`main` or `env`) first, then the added keys, each with its state. */
export async function listProviderKeys(deps: ProviderKeyDeps, id: string, now = Date.now()): Promise<ProviderKeyView[]> {
  const pid = requireProviderId(id);
  const settings = deps.state.getSnapshot().providers.get(pid);
  const inPool = new Map((settings?.keys ?? []).map((k) => [k.id, k]));
  const usage = await usageByKey(deps, pid, now);
  const own = inPool.get('main') ?? inPool.get('env');
  // A row not in the pool: the provider's own key itself (the own key serves for it), or one that does not decrypt.
  const unused = (id: string) =>
    settings?.ownKeyCopies?.includes(id)
      ? `This is the provider's own key ('${own?.id}'), which the pool uses once, as '${own?.id}'; remove this copy.`
      : 'The key cannot be decrypted with the current encryption key; add it again.';
  const view = (k: { id: string; label: string; last4: string; weight: number; stateId?: string }, usable: boolean): ProviderKeyView => {
    const s = deps.keyPool.stateOf(pid, stateKeyOf(k));
    return {
      id: k.id, label: k.label, last4: k.last4, weight: k.weight,
      state: usable ? s.state : 'set_aside',
      cooling_until: usable && s.state === 'cooling' ? new Date(s.until).toISOString() : null,
      models: deps.keyPool.modelStatesOf(pid, stateKeyOf(k)).map(({ model, state }) => ({
        model,
        state: state.state,
        cooling_until: state.state === 'cooling' ? new Date(state.until).toISOString() : null,
      })),
      ...(usable ? {} : { error: unused(k.id) }),
      usage_24h: usage.get(k.id) ?? { requests: 0, errors: 0, cost_usd: 0 },
    };
  };
  const out: ProviderKeyView[] = [];
  for (const own of ['main', 'env']) {
    const k = inPool.get(own);
    if (k) out.push(view(k, true));
  }
  const rows = await deps.db.select().from(providerKeys).where(eq(providerKeys.provider, pid)).orderBy(providerKeys.id);
  for (const r of rows) out.push(view({ id: String(r.id), label: r.label, last4: r.keyLast4, weight: r.weight }, inPool.has(String(r.id))));
  return out;
}

/** Adds a key to the provider's pool, stored AES-256-GCM encrypted; in force at once. */
export async function addProviderKey(deps: ProviderKeyDeps, id: string, body: NewProviderKey): Promise<{ id: string; label: string; last4: string; weight: number }> {
  const pid = requireProviderId(id);
  const key = typeof body.key === 'string' ? body.key.trim() : '';
  if (!key) throw badRequest("'key' is required.", 'key');
  checkProviderKeyText(key, 'key');
  if (key.length < 8) throw badRequest("'key' is too short to be a provider key.", 'key');
  const weight = checkWeight(body.weight ?? 1);
  const last4 = key.slice(-4);
  const label = body.label?.trim() || defaultLabel(last4);
  checkAdminName(label, 'label', 'key label');
  const inPool = (as?: string) =>
    new ApiError({ status: 409, message: `This key is already in the ${pid} pool${as ? ` as '${as}'` : ''}. To start it afresh, remove it and add it again.`, code: 'duplicate_provider_key', param: 'key' });
  // The provider's own key (main, env) is matched here only; added keys by the unique fingerprint
  // too, so identical adds at once, or on another instance whose snapshot this one has not read yet, get one row.
  const same = deps.state.getSnapshot().providers.get(pid)?.keys?.find((k) => k.apiKey === key);
  if (same) throw inPool(same.label);
  const [row] = await orConflict(
    deps.db
      .insert(providerKeys)
      .values({ provider: pid, keyEncrypted: deps.secretBox.encrypt(key), keyFingerprint: deps.secretBox.fingerprint(key), keyLast4: last4, label, weight, createdAt: Date.now() })
      .returning({ id: providerKeys.id }),
    () => inPool(),
  );
  await deps.state.refresh();
  return { id: String(row!.id), label, last4, weight };
}

/** What PATCH changes of an added pool key: only the fields present. */
export interface ProviderKeyChange {
  weight?: number;
  /** null: back to the default label, `key-<last4>`. */
  label?: string | null;
}

function checkWeight(weight: unknown): number {
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > MAX_KEY_WEIGHT) throw badRequest(`'weight' must be a whole number from 1 to ${MAX_KEY_WEIGHT}.`, 'weight');
  return weight;
}

/**
 * Changes an added key's weight and/or label in place; in force at once. Its cooldown or set-aside
 * state stays (the secret is the same; to start it afresh, remove and re-add it). The provider's
 * own key (`main`, `env`) has weight 1 and no row to change: 409.
 */
export async function updateProviderKey(deps: ProviderKeyDeps, id: string, keyId: string, change: ProviderKeyChange): Promise<{ id: string; label: string; last4: string; weight: number }> {
  const pid = requireProviderId(id);
  const own = deps.state.getSnapshot().providers.get(pid)?.keys?.some((k) => k.id === keyId && (keyId === 'main' || keyId === 'env'));
  if (own) {
    throw new ApiError({
      status: 409, code: 'own_provider_key', param: 'key_id',
      message: `'${keyId}' is the provider's own key (${keyId === 'env' ? `${pid.toUpperCase()}_API_KEY` : 'stored on the Providers page'}): its weight is always 1. Add keys to the pool to weigh them.`,
    });
  }
  const set: { weight?: number; label?: string | SQL } = {};
  if (change.weight !== undefined) set.weight = checkWeight(change.weight);
  // JSON null clears, as throughout the admin API: the label a key added without one gets.
  if (change.label === null) set.label = sql`'key-' || ${providerKeys.keyLast4}`;
  else if (change.label !== undefined) {
    const label = typeof change.label === 'string' ? change.label.trim() : '';
    if (!label) throw badRequest("'label' must not be empty.", 'label');
    checkAdminName(label, 'label', 'key label');
    set.label = label;
  }
  const n = decimalId(keyId) ?? NaN; // plain decimal: `01` names no key
  const where = and(eq(providerKeys.id, n), eq(providerKeys.provider, pid));
  const rows = !Number.isSafeInteger(n)
    ? []
    : Object.keys(set).length === 0
      ? await deps.db.select().from(providerKeys).where(where)
      : await deps.db.update(providerKeys).set(set).where(where).returning();
  const row = rows[0];
  if (!row) throw notFound(`Provider ${pid} has no key '${keyId}'.`, 'provider_key_not_found', 'key_id');
  if (Object.keys(set).length > 0) await deps.state.refresh();
  return { id: String(row.id), label: row.label, last4: row.keyLast4, weight: row.weight };
}

/**
 * Removes a key from the pool. `main` clears the provider's own stored key (as PATCH api_key null
 * does); `env` cannot be removed here, it comes from the environment.
 */
export async function deleteProviderKey(deps: ProviderKeyDeps, id: string, keyId: string): Promise<{ id: string; deleted: true }> {
  const pid = requireProviderId(id);
  if (keyId === 'env') {
    throw new ApiError({ status: 409, message: `This key comes from the environment (${pid.toUpperCase()}_API_KEY); unset it there and restart.`, code: 'env_provider_key', param: 'key_id' });
  }
  if (keyId === 'main') {
    const [row] = await deps.db.select({ enc: providers.apiKeyEncrypted }).from(providers).where(eq(providers.id, pid));
    if (!row?.enc) throw notFound(`Provider ${pid} has no stored key 'main'.`, 'provider_key_not_found', 'key_id');
    await deps.db.update(providers).set({ apiKeyEncrypted: null, apiKeyLast4: null, updatedAt: Date.now() }).where(eq(providers.id, pid));
  } else {
    const n = decimalId(keyId) ?? NaN; // plain decimal: `01` names no key
    const gone = Number.isSafeInteger(n)
      ? await deps.db.delete(providerKeys).where(and(eq(providerKeys.id, n), eq(providerKeys.provider, pid))).returning({ id: providerKeys.id })
      : [];
    if (gone.length === 0) throw notFound(`Provider ${pid} has no key '${keyId}'.`, 'provider_key_not_found', 'key_id');
  }
  deps.keyPool.reset(pid, keyId);
  await deps.state.refresh();
  return { id: keyId, deleted: true };
}
