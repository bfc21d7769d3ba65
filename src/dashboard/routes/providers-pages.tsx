/** @jsxImportSource #html */
import { Elysia } from 'elysia';
import { testProviderConnection } from '../../admin/provider-test';
import { listProviderKeys } from '../../admin/provider-keys-service';
import { getProvider, listProviders, setProviderSettings, type ProviderPatch, type ProviderView } from '../../admin/providers-service';
import type { AppContext } from '../../context';
import { PROVIDER_CATALOG } from '../../providers/provider-catalog';
import { adminRoute, attempt, field, hasField, pageRoute, pageGuard, rawField } from '../dash-session';
import { isAdmin } from '../dash-types';
import { onOffField } from '../form-on-off';
import { formErrorsInto, fragment, pageResponse } from '../page-response';
import { providerErrorSlot, ProviderCardView, ProvidersView, TestResultView, type ProviderCard } from '../pages/providers-view';

/** A provider's card as the page shows it (`keys`: its pool, unset to leave the pool out). */
export function card(p: ProviderView, keys?: ProviderCard['keys']): ProviderCard {
  const cat = PROVIDER_CATALOG[p.id];
  return {
    keys,
    id: p.id, name: p.name, enabled: p.enabled, baseUrl: p.base_url, baseUrlNote: p.base_url_note, defaultBaseUrl: cat.defaultBaseUrl, needsKey: cat.needsKey,
    keyLast4: p.api_key_last4, keyFromEnv: p.key_source === 'env',
    circuit: p.circuit, modelCircuits: p.model_circuits, recentErrorRate: p.recent_requests ? p.recent_error_rate : null, recentRequests: p.recent_requests,
  };
}

/** Which of the card's three small forms was sent: each carries only its own field. */
function patchOf(body: unknown): ProviderPatch {
  const patch: ProviderPatch = {};
  if (hasField(body, 'enabled')) patch.enabled = onOffField(body, 'enabled');
  if (hasField(body, 'base_url')) patch.base_url = field(body, 'base_url') || null;
  if (hasField(body, 'api_key')) patch.api_key = rawField(body, 'api_key').trim() || null;
  return patch;
}

export function providersPages(ctx: AppContext) {
  return new Elysia({ name: 'dashboard-providers-pages' })
    .use(pageGuard(ctx))
    .get('/providers', async ({ user, request }) => {
      const cards = await Promise.all((await listProviders(ctx)).map(async (p) => card(p, await listProviderKeys(ctx, p.id))));
      return pageResponse(request, user, 'providers', 'Providers', <ProvidersView providers={cards} admin={isAdmin(user)} />);
    }, pageRoute())
    .post('/providers/:id', async ({ body, params }) => {
      const r = await attempt(() => setProviderSettings(ctx, params.id, patchOf(body)));
      if (r.ok) return fragment(<ProviderCardView p={card(r.value, await listProviderKeys(ctx, r.value.id))} admin saved />);
      const current = await attempt(() => getProvider(ctx, params.id));
      if (!current.ok) return fragment(<p class="form-error" safe>{current.errors.join(' ')}</p>, current.errors);
      // Into the card's error slot: its forms keep what the admin typed (a URL to correct).
      return formErrorsInto(providerErrorSlot(current.value.id), r);
    }, adminRoute())
    .post('/providers/:id/test', async ({ params }) => {
      const r = await attempt(() => testProviderConnection(ctx, params.id));
      if (!r.ok) return fragment(<TestResultView r={{ ok: false, message: r.errors.join(' ') }} />);
      const t = r.value;
      const message = t.ok ? 'OK' : t.error ?? `HTTP ${t.status}`;
      return fragment(<TestResultView r={{ ok: t.ok, message, latencyMs: t.latency_ms }} />);
    }, adminRoute());
}
