/** @jsxImportSource #html */
import { Elysia } from 'elysia';
import { addProviderKey, deleteProviderKey, listProviderKeys } from '../../admin/provider-keys-service';
import { getProvider } from '../../admin/providers-service';
import type { AppContext } from '../../context';
import { adminRoute, attempt, field, pageGuard, pathParam, rawField } from '../dash-session';
import { formNumber } from '../form-number';
import { formErrorsInto, fragment } from '../page-response';
import { keyPoolErrorSlot, KeyPoolView } from '../pages/provider-keys-view';
import { ApiKeyCell } from '../pages/providers-view';
import { card } from './providers-pages';

/** The key pool section of a provider card: add and remove keys (admins), answered as the section. */
export function providerKeysPages(ctx: AppContext) {
  const section = async (id: string, errors?: string[]) => {
    const keys = await attempt(() => listProviderKeys(ctx, id));
    if (!keys.ok) return fragment(<p class="form-error" safe>{keys.errors.join(' ')}</p>, keys.errors);
    // The card's "API key" line says whether the pool carries the provider: keep it in step.
    const provider = card(await getProvider(ctx, id), keys.value);
    return fragment(<><KeyPoolView provider={id} keys={keys.value} admin errors={errors} /><ApiKeyCell p={provider} oob /></>, errors);
  };
  return new Elysia({ name: 'dashboard-provider-keys-pages' })
    .use(pageGuard(ctx))
    .post('/providers/:id/keys', async ({ body, params }) => {
      const r = await attempt(() => {
        // Blank: the default weight, 1 (the form starts at 1).
        const weight = formNumber(field(body, 'weight'), { label: 'Weight', param: 'weight', whole: true }) ?? undefined;
        return addProviderKey(ctx, params.id, { key: rawField(body, 'key'), label: field(body, 'label') || undefined, weight });
      });
      return r.ok ? section(params.id) : formErrorsInto(keyPoolErrorSlot(params.id), r);
    }, adminRoute())
    .post('/providers/:id/keys/:key_id/delete', async ({ params }) => {
      const r = await attempt(() => deleteProviderKey(ctx, params.id, pathParam(params.key_id)));
      return section(params.id, r.ok ? undefined : r.errors);
    }, adminRoute());
}
