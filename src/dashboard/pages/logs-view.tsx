/** @jsxImportSource #html */
import { Card, fieldRefusal, StatusBadge } from '../components/ui';
import { ChoiceList, CLIENT_CHOICES, clientChoiceList } from '../components/choices';
import { TeamFilterField } from '../components/team-filter';
import { Pager } from '../components/pager';
import { EmptyState, PageHeader } from '../components/layout';
import { compactNumber, count, dateTime, duration, endpointLabel, usd } from '../format';
import { LOG_FILTER_LABELS } from '../field-labels';
import { bodyParts } from '../log-body';
import { LOG_ENDPOINTS } from '../../db/schema/request-logs';
import type { ListedLogRow, StoredLogRow } from '../../logging/log-row';

/** What ≈ before a row's tokens and cost says: the provider sent no usage (a stream cut short, an answer without it), so the gateway counted. */
const ESTIMATED_NOTE = "Estimated: the provider sent no usage for this request (a stream cut short, or an answer without it), so the gateway counted the tokens itself";

/** Why a row shows no cost: its model has no price (not $0: nothing could be counted). */
const UNKNOWN_COST_NOTE = 'the model has no price in the models table or genai-prices; add it on the Models page';

/** One row of the logs table: the row as listed (logging/log-row.ts), with its client's current name. */
export type LogListItem = ListedLogRow & { clientName: string | null };

/** The detail panel: every stored column, the client's name and the provider key it used. */
export type LogDetail = StoredLogRow & {
  clientName: string | null;
  /** The provider key the last try used, as `label ••••last4`, or `#id (removed)` once removed from the pool. */
  providerKey?: string | null;
  /** A body was kept (LOGGING__STORE_BODIES) but this user may not read it: prompts are admins' only. */
  bodyHidden?: boolean;
};

/** Filter values exactly as in the query string (strings, blank = any). */
export interface LogFilters {
  from: string;
  to: string;
  client: string;
  /** One team's rows, by the team's name (as the key editor's team picker takes it); blank or unset = any. */
  team?: string;
  provider: string;
  model: string;
  status: string;
  /** One endpoint (`embeddings`, ...); blank or unset = any. */
  endpoint?: string;
  /** One request's row, by the x-request-id its answer carried; blank or unset = any. */
  request_id?: string;
}

export interface LogsViewModel {
  rows: LogListItem[];
  filters: LogFilters;
  /** Paging is by row id (keyset): set when this page continues an older one. */
  beforeId: number | null;
  /** Id to continue from for the next (older) page; null on the last page. */
  nextBeforeId: number | null;
  /** The first few keys for the client filter's suggestion list (not every key: there may be thousands). */
  clients: { id: number; name: string; revoked: boolean }[];
  /** The first few teams for the team filter's suggestion list (likewise not every team). */
  teams: { id: number; name: string }[];
  providers: string[];
  /** A filter the query parser refused: shown under its field (`errorField`), else above the table. */
  error?: string;
  errorField?: string | null;
}

function qs(f: LogFilters, beforeId: number | null): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
  if (beforeId != null) p.set('before_id', String(beforeId));
  const s = p.toString();
  return s ? `/logs?${s}` : '/logs';
}

/** A name in a one-line table: cut to a width with an ellipsis, the whole of it in the tooltip. */
function ClippedName(props: { name: string }) {
  return <span class="clip" dir="auto" title={props.name} safe>{props.name}</span>;
}

/** A model name as the client sent it (up to 256 characters, one word): cut, whole in the tooltip and the detail. */
function ModelName(props: { name: string }) {
  return <code class="model-name" title={props.name} safe>{props.name}</code>;
}

/** The filter form's fields, as a refusal names them. */
const FILTER_FIELDS = ['from', 'to', 'client', 'team', 'provider', 'model', 'endpoint', 'status', 'request_id'];

function Filters(props: { vm: LogsViewModel; refusal: ReturnType<typeof fieldRefusal> }) {
  const f = props.vm.filters;
  const { mark, under } = props.refusal;
  // Each field has an id: a change reloads the page, and htmx gives the focus back to the field
  // with the id of the one that had it (without, a keyboard user tabbing on from the Model field
  // or arrowing through Status was left at the start of the page after every step).
  return (
    <form class="filters" hx-get="/logs" hx-target="#main" hx-push-url="true" hx-trigger="change, submit">
      <label>{LOG_FILTER_LABELS.from}<input id="logs-from" type="datetime-local" name="from" value={f.from} {...mark('from')} />{under('from')}</label>
      <label>{LOG_FILTER_LABELS.to}<input id="logs-to" type="datetime-local" name="to" value={f.to} {...mark('to')} />{under('to')}</label>
      <label>{LOG_FILTER_LABELS.client_id}
        <input id="logs-client" name="client" dir="auto" list={CLIENT_CHOICES} value={f.client} placeholder="any" maxlength="200" autocomplete="off"
          title="Type the start of a key's name and pick it (it adds the key's #id), or a key's #id" {...mark('client')} />
        {under('client')}
        <ChoiceList id={CLIENT_CHOICES} url="/clients/choices" choices={clientChoiceList(props.vm.clients)} />
      </label>
      <TeamFilterField id="logs-team" value={f.team ?? ''} teams={props.vm.teams} refusal={props.refusal}
        title="Type the start of a team's name and pick it: the requests its keys made while in it" />
      <label>{LOG_FILTER_LABELS.provider}
        <select id="logs-provider" name="provider" {...mark('provider')}>
          <option value="">any</option>
          {props.vm.providers.map((p) => <option value={p} selected={p === f.provider} safe>{p}</option>)}
        </select>
        {under('provider')}
      </label>
      <label>{LOG_FILTER_LABELS.model}<input id="logs-model" name="model" value={f.model} placeholder="any" title="The model asked for (a group, an unknown name) or the one that answered" {...mark('model')} />{under('model')}</label>
      <label>{LOG_FILTER_LABELS.endpoint}
        <select id="logs-endpoint" name="endpoint" {...mark('endpoint')}>
          <option value="">any</option>
          {LOG_ENDPOINTS.map((e) => <option value={e} selected={e === f.endpoint}>{e}</option>)}
        </select>
        {under('endpoint')}
      </label>
      <label>{LOG_FILTER_LABELS.status}
        <select id="logs-status" name="status" {...mark('status')}>
          {[['', 'any'], ['ok', 'success'], ['error', 'failed'], ...['400', '401', '403', '404', '429', '500', '502', '503', '504', '529'].map((c) => [c, c])].map(([v, l]) => (
            <option value={v!} selected={v === f.status}>{l}</option>
          ))}
        </select>
        {under('status')}
      </label>
      <label>{LOG_FILTER_LABELS.request_id}<input id="logs-request-id" name="request_id" value={f.request_id ?? ''} placeholder="any" title="The x-request-id header of the request's answer" {...mark('request_id')} />{under('request_id')}</label>
      <noscript><button type="submit" class="btn small">Filter</button></noscript>
    </form>
  );
}

/** `detail`: the row opened in the detail panel (a /logs/{id} address loaded directly). */
export function LogsView(props: { vm: LogsViewModel; detail?: JSX.Element }) {
  const { vm } = props;
  const refusal = fieldRefusal({ errors: vm.error ? [vm.error] : [], param: vm.errorField, fields: FILTER_FIELDS, id: 'logs-filter-error' });
  return (
    <div class="page" data-page="logs">
      <PageHeader title="Logs" subtitle="Every request, newest first. Times are UTC. Click a row for its detail." />
      <Filters vm={vm} refusal={refusal} />
      {refusal.top}
      {/* A refused filter or pager link read no rows: only its error, not an empty log's "send a request" nor "0 rows". */}
      {vm.error ? '' : <div class="logs-layout">
        <Card class="logs-table-card">
          {vm.rows.length === 0 ? (
            <EmptyState title="No requests match">
              {Object.values(vm.filters).some(Boolean) ? 'Loosen the filters above.' : 'Send a request through /v1 with a client key and it shows up here.'}
            </EmptyState>
          ) : (
            <div class="table-wrap">
              <table class="table compact clickable" id="logs-table">
                <thead>
                  <tr><th>Time (UTC)</th><th>Status</th><th>Client</th><th>Model</th><th class="num">Tokens in/out</th><th class="num">Cost</th><th class="num">Latency</th></tr>
                </thead>
                <tbody>
                  {vm.rows.map((r) => (
                    <tr hx-get={`/logs/${r.id}`} hx-target="#log-detail" hx-push-url="false" tabindex="0" id={`log-${r.id}`}>
                      {/* Month-day and time (the year is in the tooltip): the row must fit beside the detail panel. */}
                      <td class="nowrap" title={dateTime(r.createdAt)}>{dateTime(r.createdAt).slice(5)}</td>
                      <td><StatusBadge status={r.status} /></td>
                      <td><ClippedName name={r.clientName ?? (r.clientId == null ? '—' : `#${r.clientId}`)} /></td>
                      {/* The provider and endpoint on a second line, as on the Monitoring page: the row must fit beside the detail panel. */}
                      <td class="model-cell"><ModelName name={r.model ?? r.modelRequested} /><div class="muted small"><span safe>{r.provider ?? ''}</span>
                        {r.endpoint === 'chat' ? '' : <span class="endpoint" safe>{`${r.provider ? ' · ' : ''}${r.endpoint}`}</span>}</div></td>
                      <td class="num">
                        {r.estimated ? <span class="estimated" title={ESTIMATED_NOTE}>≈ </span> : ''}
                        {`${compactNumber(r.promptTokens)} / ${compactNumber(r.completionTokens)}`}
                        {/* A second line, not a column: the table must fit beside the detail panel. */}
                        {r.cacheWriteTokens ? <div class="muted small cache-write" title="Prompt tokens written to the provider's prompt cache (part of tokens in)">{`${compactNumber(r.cacheWriteTokens)} cache write`}</div> : ''}
                      </td>
                      <td class="num">{r.costUnknown ? <span class="muted cost-unknown" title={UNKNOWN_COST_NOTE}>unknown</span> : r.estimated ? <span class="estimated" title={ESTIMATED_NOTE}>{`≈ ${usd(r.costUsd)}`}</span> : usd(r.costUsd)}</td>
                      <td class="num">{duration(r.latencyMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {/* Ids here too: Enter on "Older" keeps the focus on the next page's "Older", to page on. */}
          <Pager count={count(vm.rows.length, 'row')}
            first={vm.beforeId != null ? { id: 'logs-newest', href: qs(vm.filters, null), text: '← Newest' } : null}
            next={vm.nextBeforeId != null ? { id: 'logs-older', href: qs(vm.filters, vm.nextBeforeId), text: 'Older →' } : null} />
        </Card>
        {/* data-empty: what the panel says again once its detail is closed (web/page-controls.js). */}
        <aside id="log-detail" class="card log-detail" aria-label="Request detail" data-empty={NO_DETAIL}>{props.detail ?? <p class="muted" safe>{NO_DETAIL}</p>}</aside>
      </div>}
    </div>
  );
}

function Field(props: { k: string; children: JSX.Element | string }) {
  return (
    <>
      <dt safe>{props.k}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

const NO_DETAIL = 'Select a row to see its detail.';

/**
 * What the panel holds for one row (`id`, the row's id, which takes the focus back when it closes):
 * a region named by its heading, which takes the focus when a row opens it (so a screen reader
 * reads where it went), and a Close link, which Escape does too (web/page-controls.js); without JavaScript
 * the link goes to the Logs page.
 */
function DetailPanel(props: { id: number | null; title: string; badge?: JSX.Element; children: JSX.Element | JSX.Element[] }) {
  return (
    <div id="log-detail-body" data-log-detail data-log-id={props.id == null ? undefined : String(props.id)} role="region" aria-labelledby="log-detail-title">
      <div class="log-detail-head">
        <h2 class="card-title" id="log-detail-title" tabindex="-1"><span safe>{props.title}</span> {props.badge ?? ''}</h2>
        <a class="btn small ghost" href="/logs" data-close-detail aria-label="Close the request detail" title="Close (Escape)">Close</a>
      </div>
      {props.children}
    </div>
  );
}

/** The panel for a row that is gone (retention removed it since the list was read). */
export function LogDetailGone() {
  return (
    <DetailPanel id={null} title="Request not found">
      <p class="muted">That request is no longer in the log (retention may have removed it).</p>
    </DetailPanel>
  );
}

/** A kept body: the request indented, the answer as text (log-body.ts); anything else as stored. */
function KeptBody(props: { body: string }) {
  const parts = bodyParts(props.body);
  if (!parts) return <><h3>Body</h3><pre class="mono body" safe>{props.body}</pre></>;
  return (
    <>
      <h3>Request</h3><pre class="mono body body-request" safe>{parts.request}</pre>
      <h3>Answer</h3>{parts.answer ? <pre class="mono body body-answer" safe>{parts.answer}</pre> : <p class="muted body-answer">None delivered.</p>}
    </>
  );
}

/** Right-hand detail panel for one row. */
export function LogDetailView(props: { d: LogDetail }) {
  const d = props.d;
  return (
    <DetailPanel id={d.id} title={`Request #${d.id}`} badge={<StatusBadge status={d.status} />}>
      <dl class="kv">
        <Field k="Time (UTC)">{dateTime(d.createdAt)}</Field>
        <Field k="Request id"><code safe>{d.requestId}</code></Field>
        {d.parentRequestId ? <Field k="Classifier call for"><code safe>{d.parentRequestId}</code></Field> : ''}
        {d.instance ? <Field k="Instance"><code safe>{d.instance}</code></Field> : ''}
        <Field k="Endpoint"><span safe>{endpointLabel(d.endpoint, d.stream)}</span></Field>
        <Field k="Client"><span safe>{d.clientName ?? (d.clientId == null ? '—' : `#${d.clientId}`)}</span></Field>
        <Field k="Model requested"><code safe>{d.modelRequested}</code></Field>
        <Field k="Model / provider"><code safe>{`${d.model ?? '—'} @ ${d.provider ?? '—'}`}</code></Field>
        <Field k="Route"><code safe>{d.route ?? '—'}</code></Field>
        {d.providerKey ? <Field k="Provider key"><code safe>{d.providerKey}</code></Field> : ''}
        <Field k="Tokens">{`${compactNumber(d.promptTokens)} in (${compactNumber(d.cachedTokens)} cached${d.cacheWriteTokens ? `, ${compactNumber(d.cacheWriteTokens)} cache write` : ''}), ${compactNumber(d.completionTokens)} out (${compactNumber(d.reasoningTokens)} reasoning)${d.estimated ? ', estimated' : ''}`}</Field>
        {d.images ? <Field k="Images">{String(d.images)}</Field> : ''}
        <Field k="Cost">{d.costUnknown ? <span class="cost-unknown">{`unknown: ${UNKNOWN_COST_NOTE}`}</span> : usd(d.costUsd)}</Field>
        {d.providerCostUsd != null ? <Field k="Cost reported by the provider">{`${usd(d.providerCostUsd)} (billed; the price table says ${usd(d.computedCostUsd ?? 0)})`}</Field> : ''}
        <Field k="Latency">{`${duration(d.latencyMs)} total, ${d.ttfbMs == null ? '—' : duration(d.ttfbMs)} to first byte, ${duration(d.overheadMs)} gateway overhead`}</Field>
        {d.error ? <Field k="Error"><span class="form-error" safe>{`${d.errorType ? `${d.errorType}: ` : ''}${d.error}`}</span></Field> : ''}
      </dl>
      {d.attempts ? <><h3>Attempts</h3><pre class="mono" safe>{d.attempts}</pre></> : ''}
      {d.body ? <KeptBody body={d.body} /> : ''}
      {d.bodyHidden ? <><h3>Body</h3><p class="muted body-hidden">Kept, and shown to admins only (prompts and answers may hold what a viewer should not read).</p></> : ''}
    </DetailPanel>
  );
}
