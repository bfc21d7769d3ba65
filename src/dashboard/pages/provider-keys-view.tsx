/** @jsxImportSource #html */
import type { ProviderKeyView } from '../../admin/provider-keys-service';
import { compactNumber, NBSP, usd, utcDateTime } from '../format';
import { postTo } from '../components/ui';
import { FIELD_LABELS } from '../field-labels';

const STATE_KIND = { active: 'ok', cooling: 'warn', set_aside: 'err' } as const;

function StateBadge(props: { k: ProviderKeyView }) {
  const { k } = props;
  if (k.state === 'cooling') {
    const until = Date.parse(k.cooling_until!);
    return <span class="badge warn" title="Answered 429: skipped while another key is usable" safe>{`cooling until ${utcDateTime(until)}`}</span>;
  }
  const title = k.state === 'set_aside'
    ? (k.error ?? 'Answered 401/403: skipped while another key is usable, until the key is changed or added again, or the gateway restarts (without Redis)')
    : undefined;
  return <span class={`badge ${STATE_KIND[k.state]}`} title={title}>{k.state === 'set_aside' ? 'set aside' : 'active'}</span>;
}

/** The models (or Anthropic model classes) the key rests for while it serves the others: one small line each. */
function ModelStates(props: { k: ProviderKeyView }) {
  return (
    <>
      {(props.k.models ?? []).map((m) => (
        <div class="muted small" data-model-state={m.state} safe>
          {m.state === 'cooling' ? `${m.model}: cooling until ${utcDateTime(Date.parse(m.cooling_until!))}` : `${m.model}: set aside`}
        </div>
      ))}
    </>
  );
}

/** Where the pool shows why a key was not added (the add form stays open with what was typed). */
export const keyPoolErrorSlot = (provider: string) => `provider-keys-${provider}-errors`;

/**
 * A provider's key pool inside its card: each key's last four, weight, state and 24 h usage;
 * admins add keys (password field, never echoed) and remove them. Swapped as one section.
 */
export function KeyPoolView(props: { provider: string; keys: ProviderKeyView[]; admin: boolean; errors?: string[] }) {
  const { provider, keys, admin } = props;
  const id = `provider-keys-${provider}`;
  const swap = { 'hx-target': `#${id}`, 'hx-swap': 'outerHTML' };
  return (
    <section class="key-pool" id={id} data-provider={provider}>
      <h3 class="small muted">Key pool</h3>
      {keys.length === 0 ? <p class="muted small">No keys.</p> : (
        <div class="table-wrap"><table class="table compact">
          <thead><tr><th>Key</th><th class="num">Weight</th><th>State</th><th class="num" title="Requests in the last 24 h whose last try used this key: count, errors and cost">{`Last 24${NBSP}h`}</th>{admin ? <th></th> : ''}</tr></thead>
          <tbody>
            {keys.map((k) => (
              <tr data-key-id={k.id} data-state={k.state}>
                {/* Label over its last four, one column: with a Remove button the pool table must fit a
                    half-width provider card on a laptop-wide window. */}
                <td>
                  <span class="clip" dir="auto" title={k.label} safe>{k.label}</span>
                  <div><code class="small" safe>{`••••${k.last4}`}</code></div>
                </td>
                <td class="num">{String(k.weight)}</td>
                <td>
                  <StateBadge k={k} />
                  <ModelStates k={k} />
                </td>
                {/* One cell, three lines: the pool table must fit a provider card on a laptop-wide window. */}
                <td class="num">
                  {`${compactNumber(k.usage_24h.requests)} req`}
                  <div class="muted small">{`${compactNumber(k.usage_24h.errors)} err · ${usd(k.usage_24h.cost_usd)}`}</div>
                </td>
                {admin ? (
                  <td class="actions">
                    {k.id === 'env' ? <span class="muted small" title="Set in the environment">env</span> : (
                      <button type="button" class="btn small danger" hx-post={`/providers/${provider}/keys/${encodeURIComponent(k.id)}/delete`} {...swap}
                        hx-confirm={`Remove the key ••••${k.last4} from the pool?`}>Remove</button>
                    )}
                  </td>
                ) : ''}
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
      <div id={keyPoolErrorSlot(provider)}>{props.errors?.length ? <ul class="form-errors" role="alert">{props.errors.map((e) => <li safe>{e}</li>)}</ul> : ''}</div>
      {admin ? (
        <form class="inline-form" {...postTo(`/providers/${provider}/keys`)} {...swap} x-data="editors" data-editor="key">
          <button type="button" class="btn small" data-opens="key" x-show="!open.key" x-on:click="toggle('key')">Add key</button>
          <span class="inline-form" x-show="open.key" x-cloak>
            <input name="key" type="password" autocomplete="off" placeholder={FIELD_LABELS.key} aria-label={FIELD_LABELS.key} class="grow" required />
            <input name="label" placeholder={FIELD_LABELS.label} aria-label={FIELD_LABELS.label} maxlength="64" />
            <input name="weight" type="number" min="1" max="1000" step="1" value="1" aria-label={FIELD_LABELS.weight} />
            <button type="submit" class="btn small primary">Add</button>
            <button type="button" class="btn small ghost" x-on:click="close('key')">Cancel</button>
          </span>
        </form>
      ) : ''}
    </section>
  );
}
