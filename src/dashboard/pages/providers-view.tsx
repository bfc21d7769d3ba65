/** @jsxImportSource #html */
import { Card, postTo } from '../components/ui';
import { FIELD_LABELS } from '../field-labels';
import { PageHeader } from '../components/layout';
import { NBSP, percent } from '../format';
import type { ProviderKeyView } from '../../admin/provider-keys-service';
import { KeyPoolView } from './provider-keys-view';

export interface ProviderCard {
  id: string;
  name: string;
  enabled: boolean;
  baseUrl: string;
  /** What the gateway changed in the base URL as set, and why (ProviderView.base_url_note); null: nothing. */
  baseUrlNote?: string | null;
  defaultBaseUrl: string;
  needsKey: boolean;
  /** Last four characters of the stored key; null when none is stored. */
  keyLast4: string | null;
  /** A key comes from the environment (OPENAI_API_KEY, ...) rather than the dashboard. */
  keyFromEnv: boolean;
  circuit: 'closed' | 'open' | 'half_open';
  /** Models whose own circuit is open or half-open (direct calls to them get 503 circuit_open). */
  modelCircuits?: { model: string; circuit: 'open' | 'half_open'; retry_after_s: number }[];
  /** Over the last 15 minutes (see providers-service); null when there were no requests. */
  recentErrorRate: number | null;
  recentRequests: number;
  /** The key pool (unset: not shown). */
  keys?: ProviderKeyView[];
}

export interface TestResult {
  ok: boolean;
  message: string;
  latencyMs?: number;
}

export function TestResultView(props: { r: TestResult }) {
  return (
    <span class={`badge ${props.r.ok ? 'ok' : 'err'}`} role="status" safe>
      {props.r.ok ? `OK${props.r.latencyMs != null ? ` · ${Math.round(props.r.latencyMs)} ms` : ''}` : props.r.message}
    </span>
  );
}

const CIRCUIT_KIND = { closed: 'ok', half_open: 'warn', open: 'err' } as const;

type KeyFacts = Pick<ProviderCard, 'id' | 'needsKey' | 'keyLast4' | 'keyFromEnv' | 'keys'>;
/** Keys added to the pool (not its own key, `main`, nor the environment's, `env`). */
const addedKeys = (p: KeyFacts) => (p.keys ?? []).filter((k) => k.id !== 'main' && k.id !== 'env').length;
/** It needs a key and has none to use: enabled, it answers every request with an error. */
const keyMissing = (p: KeyFacts) => p.needsKey && !p.keyLast4 && !p.keyFromEnv && addedKeys(p) === 0;

/** The card's "API key" value: its own key, else the pool's added keys, else a warning that calls fail. */
export function ApiKeyCell(props: { p: KeyFacts; oob?: boolean }) {
  const { p } = props;
  const added = addedKeys(p);
  return (
    // Swapped out of band when the key pool changes (its section is answered alone).
    <dd id={`provider-${p.id}-key`} hx-swap-oob={props.oob ? 'true' : undefined}>
      {p.keyLast4 ? <code safe>{`••••${p.keyLast4}`}</code>
        : p.keyFromEnv ? <span>from environment</span>
        : !p.needsKey ? <span class="muted">not needed</span>
        : added ? <span class="muted">{`none; ${added === 1 ? 'the pool key' : `the ${added} pool keys`} below`}</span>
        : <span class="badge warn">not set</span>}
    </dd>
  );
}

/**
 * What a save says: "Saved.", and for a provider enabled with no key to use, that every request
 * to it fails until one is set (a bare "Saved." read as if it were ready to serve).
 */
function SavedNote(props: { p: ProviderCard }) {
  const { p } = props;
  if (!p.enabled || !keyMissing(p)) return <p class="saved" role="status">Saved.</p>;
  return (
    <p class="notice-text provider-no-key" role="status" safe>
      {`Saved. ${p.name} is enabled but has no API key: it answers every request with an error until one is set (Set key below, a key added to its pool, or ${p.id.toUpperCase()}_API_KEY in the environment).`}
    </p>
  );
}

/** Where a provider card shows why a change was refused (its forms keep what was typed). */
export const providerErrorSlot = (id: string) => `provider-${id}-errors`;

export function ProviderCardView(props: { p: ProviderCard; admin: boolean; saved?: boolean }) {
  const { p, admin } = props;
  const target = `#provider-${p.id}`;
  return (
    <Card class="provider" id={`provider-${p.id}`}>
      <div class="provider-head">
        <div>
          <h2 class="card-title" safe>{p.name}</h2>
          <code class="muted small" safe>{p.id}</code>
        </div>
        <div class="badges">
          <span class={`badge ${p.enabled ? 'ok' : 'muted'}`}>{p.enabled ? 'enabled' : 'disabled'}</span>
          <span class={`badge ${CIRCUIT_KIND[p.circuit]}`} title="Circuit breaker">circuit {p.circuit.replace('_', '-')}</span>
          {(p.modelCircuits ?? []).map((m) => (
            <span class={`badge ${CIRCUIT_KIND[m.circuit]}`} title={`Circuit breaker of this model${m.retry_after_s ? `: probe in ${m.retry_after_s} s` : ''}`} safe>
              {`${m.model} circuit ${m.circuit.replace('_', '-')}`}
            </span>
          ))}
        </div>
      </div>
      <dl class="kv">
        <dt>Base URL</dt>
        <dd>
          {/* At most three lines (the whole URL in its title and the Save URL field): a pasted 3,000-character URL made the card a page long. */}
          <code class="base-url" title={p.baseUrl} safe>{p.baseUrl}</code>
          {/* A URL pasted as a provider's docs give it was taken as meant: say what changed, so the form's value is not a surprise. */}
          {p.baseUrlNote ? <p class="muted small base-url-note" role="status" safe>{`Changed: ${p.baseUrlNote}.`}</p> : ''}
        </dd>
        <dt>API key</dt>
        <ApiKeyCell p={p} />
        <dt>{`Errors (15${NBSP}min)`}</dt>
        <dd>{p.recentErrorRate == null ? <span class="muted">no traffic</span> : `${percent(p.recentErrorRate)} of ${p.recentRequests}`}</dd>
      </dl>
      {p.keys && (p.needsKey || p.keys.length > 0) ? <KeyPoolView provider={p.id} keys={p.keys} admin={admin} /> : ''}
      {/* "Saved." in the errors' slot: a failed save that follows replaces it. */}
      <div id={providerErrorSlot(p.id)}>{props.saved ? <SavedNote p={p} /> : ''}</div>
      {admin ? (
        <div class="provider-actions">
          <form class="inline-form" {...postTo(`/providers/${p.id}`)} hx-target={target} hx-swap="outerHTML">
            <input type="hidden" name="enabled" value={p.enabled ? 'false' : 'true'} />
            <button type="submit" class={`btn small ${p.enabled ? 'ghost' : 'primary'}`}>{p.enabled ? 'Disable' : 'Enable'}</button>
          </form>
          <form class="inline-form" {...postTo(`/providers/${p.id}`)} hx-target={target} hx-swap="outerHTML">
            <input name="base_url" value={p.baseUrl} placeholder={p.defaultBaseUrl} aria-label={FIELD_LABELS.base_url} class="grow" />
            <button type="submit" class="btn small">Save URL</button>
          </form>
          {p.needsKey ? <form class="inline-form" {...postTo(`/providers/${p.id}`)} hx-target={target} hx-swap="outerHTML">
            <input name="api_key" type="password" autocomplete="off" placeholder={p.keyLast4 ? 'Replace key' : 'Set key'} aria-label={FIELD_LABELS.api_key} class="grow" required />
            <button type="submit" class="btn small">{p.keyLast4 ? 'Replace key' : 'Set key'}</button>
          </form> : ''}
          <div class="inline-form">
            <button type="button" class="btn small" hx-post={`/providers/${p.id}/test`} hx-target={`#provider-test-${p.id}`} hx-indicator={`#provider-test-${p.id}`}>Test connection</button>
            <span id={`provider-test-${p.id}`} class="test-result"><span class="htmx-indicator muted">testing…</span></span>
          </div>
        </div>
      ) : ''}
    </Card>
  );
}

export function ProvidersView(props: { providers: ProviderCard[]; admin: boolean }) {
  return (
    <div class="page" data-page="providers">
      <PageHeader title="Providers" subtitle="Upstream APIs. Keys are stored encrypted; only their last four characters are ever shown." />
      <div class="grid-2">
        {props.providers.map((p) => <ProviderCardView p={p} admin={props.admin} />)}
      </div>
    </div>
  );
}
