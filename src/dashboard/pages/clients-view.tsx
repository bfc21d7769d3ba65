/** @jsxImportSource #html */
import { Card, EditorRow, FormErrors, postTo } from '../components/ui';
import { EmptyState, PageHeader } from '../components/layout';
import { ago, compactNumber, count, NBSP, usd, utcDateTime } from '../format';
import { ChoiceList, TEAM_CHOICES, teamChoiceList } from '../components/choices';
import { Pager } from '../components/pager';
import { BudgetBar, LimitInputs, LimitSummary, ModelNamesWarning, type LimitValues } from '../components/limits-ui';

export interface ClientRow {
  id: number;
  name: string;
  keyPrefix: string;
  revoked: boolean;
  /** Past its expires_at: refused with 401 like a revoked key, though its limits may still be changed. */
  expired: boolean;
  createdAt: number;
  lastUsedAt: number | null;
  /** Usage over the last 30 days. */
  requests: number;
  tokens: number;
  costUsd: number;
  /** Limits and the current period's spend (none when absent). */
  limits?: LimitValues;
}

/** One page of the Clients table, newest first; paging by key id (keyset), as the Logs page. */
export interface ClientsPage {
  rows: ClientRow[];
  /** Set when this page continues an earlier one. */
  beforeId: number | null;
  /** Id to continue from for the next (older) page; null on the last page. */
  nextBeforeId: number | null;
}

const pageHref = (beforeId: number | null) => (beforeId === null ? '/clients' : `/clients?before_id=${beforeId}`);

/** "Newest" and "Older" links, shown when there is more than one page. */
function ClientsPager(props: { page: ClientsPage }) {
  const { beforeId, nextBeforeId, rows } = props.page;
  if (beforeId === null && nextBeforeId === null) return '';
  return (
    <Pager label="Pages of keys" count={count(rows.length, 'key')}
      first={beforeId !== null ? { id: 'clients-newest', href: pageHref(null), text: '← Newest' } : null}
      next={nextBeforeId !== null ? { id: 'clients-older', href: pageHref(nextBeforeId), text: 'Older →' } : null} />
  );
}

/** Shown once after creation: the full key, with a copy button that takes the focus. Never rendered again. */
export function NewKeyPanel(props: { name: string; keyValue: string }) {
  return (
    <div class="card notice" id="new-key" role="status">
      <strong>
        Key for <span safe>{props.name}</span> — copy it now, it will not be shown again.
      </strong>
      <div class="key-row">
        <code class="key" id="new-key-value" safe>{props.keyValue}</code>
        {/* autofocus: copying is the one thing to do now (htmx focuses it in swapped-in content too). */}
        <button type="button" class="btn small" data-copy="#new-key-value" autofocus>Copy</button>
      </div>
      <p class="muted small">Use it as <code safe>{'Authorization: Bearer <key>'}</code>, or <code>apiKey</code> in the OpenAI SDK with <code>baseURL</code> set to this gateway's <code>/v1</code>.</p>
    </div>
  );
}

/** Where the "New client" form shows why a key was not created (the form keeps the name typed). */
export const CLIENT_CREATE_ERRORS = 'client-create-errors';

function CreateForm(props: { errors?: string[] }) {
  return (
    <form class="inline-form" {...postTo('/clients')} hx-target="#clients-section" hx-swap="outerHTML">
      <label for="client-name">New client</label>
      <input id="client-name" name="name" required maxlength="100" placeholder="e.g. billing-service" autocomplete="off" />
      <button type="submit" class="btn primary">Create key</button>
      <div id={CLIENT_CREATE_ERRORS}><FormErrors errors={props.errors} /></div>
    </form>
  );
}

/** Where a row's rename or limits form shows its validation errors (the form stays open). */
export const clientErrorSlot = (id: number, form: 'rename' | 'limits') => `client-${id}-${form}-errors`;

const NO_LIMITS: LimitValues = { models: null, budgetUsd: null, budgetPeriod: 'month', rpm: null, tpm: null, spendUsd: 0 };

/**
 * What the page knows of teams: the names of its keys' teams, and the first few teams for its one
 * suggestion list (components/choices.tsx). Never every team: there may be thousands.
 */
export interface ClientsTeams {
  names: Map<number, string>;
  choices: { id: number; name: string }[];
}

const NO_TEAMS: ClientsTeams = { names: new Map(), choices: [] };

function ClientRowView(props: { c: ClientRow; admin: boolean; teamNames: Map<number, string> }) {
  const { c, admin } = props;
  const limits = c.limits ?? NO_LIMITS;
  const teamName = limits.teamId == null ? null : props.teamNames.get(limits.teamId) ?? null;
  const editable = admin && !c.revoked;
  // One <tbody> per key: its row, and its limits editor on a row of its own under it (EditorRow).
  return (
    <tbody id={`client-${c.id}`} class="client" x-data="editors">
    <tr class={c.revoked ? 'dim' : undefined}>
      <td>
        <span class="client-name clip" dir="auto" title={c.name} x-show="!open.rename" safe>{c.name}</span>
        {editable ? (
          <form x-show="open.rename" x-cloak data-editor="rename" class="inline-form tight" {...postTo(`/clients/${c.id}/rename`)} hx-target="#clients-section" hx-swap="outerHTML">
            <input name="name" dir="auto" value={c.name} required maxlength="100" aria-label="New name" />
            <button type="submit" class="btn small primary">Save</button>
            <button type="button" class="btn small ghost" x-on:click="close('rename')">Cancel</button>
            <div id={clientErrorSlot(c.id, 'rename')}></div>
          </form>
        ) : ''}
      </td>
      <td class="nowrap"><code safe>{`${c.keyPrefix}…`}</code></td>
      <td>{c.revoked ? <span class="badge err">revoked</span> : c.expired ? <span class="badge warn">expired</span> : <span class="badge ok">active</span>}</td>
      <td class="num">{compactNumber(c.requests)}</td>
      <td class="num">{compactNumber(c.tokens)}</td>
      <td class="num">{usd(c.costUsd)}</td>
      <td class="client-limits">
        {limits.budgetUsd !== null ? <BudgetBar spendUsd={limits.spendUsd} budgetUsd={limits.budgetUsd} period={limits.budgetPeriod} resetsAt={limits.resetsAt} /> : ''}
        {editable ? (
          // The summary is the editor's toggle: a separate button would widen the table past a laptop's width.
          <button type="button" class="link-button" title="Edit limits" aria-label="Edit limits" data-opens="limits" x-bind:aria-expanded="!!open.limits" x-on:click="toggle('limits')">
            <LimitSummary v={limits} teamName={teamName} />
          </button>
        ) : <LimitSummary v={limits} teamName={teamName} />}
      </td>
      <td class="last-used nowrap" title={utcDateTime(c.lastUsedAt)}>{ago(c.lastUsedAt)}</td>
      <td class="created nowrap" title={utcDateTime(c.createdAt)}>{ago(c.createdAt)}</td>
      {admin ? (
        <td class="actions">
          {c.revoked ? '' : (
            <>
              <button type="button" class="btn small ghost" data-opens="rename" x-show="!open.rename" x-on:click="toggle('rename')">Rename</button>
              <button type="button" class="btn small danger" hx-post={`/clients/${c.id}/revoke`} hx-target="#clients-section" hx-swap="outerHTML"
                hx-confirm="Revoke this key? Requests using it will fail immediately.">Revoke</button>
            </>
          )}
        </td>
      ) : ''}
    </tr>
    {editable ? (
      <EditorRow editor="limits" columns={CLIENT_COLUMNS + 1} titleId={`client-${c.id}-limits-title`} action={`/clients/${c.id}/limits`} target="#clients-section"
        title={<>Limits of <span class="clip" dir="auto" title={c.name} safe>{c.name}</span> <code class="muted small" safe>{`${c.keyPrefix}…`}</code></>}>
        <div id={clientErrorSlot(c.id, 'limits')}></div>
        <LimitInputs v={limits} idPrefix={`client-${c.id}`} team={{ name: teamName }} />
        <button type="submit" class="btn small primary">Save limits</button>
        <button type="button" class="btn small ghost" x-on:click="close('limits')">Cancel</button>
      </EditorRow>
    ) : ''}
    </tbody>
  );
}

/** The table's columns a viewer sees, numbers right-aligned (an admin's has one more, the actions). */
const COLUMNS: [title: string, numeric?: true][] = [['Name'], ['Key'], ['Status'], [`Requests (30${NBSP}d)`, true], ['Tokens', true], ['Cost', true], ['Limits'], ['Last used'], ['Created']];
const CLIENT_COLUMNS = COLUMNS.length;

/**
 * Where a new key's panel shows: above the section, not in it, so the next change to the table
 * (the new key's limits, its team) keeps the key on screen until it was copied. The create
 * answer fills it out of band.
 */
export const NEW_KEY_SLOT = 'new-key-slot';

/** Everything below the header (and the new key's panel, when `created`); mutations swap this whole section. */
export function ClientsSection(props: { page: ClientsPage; admin: boolean; teams?: ClientsTeams; created?: { name: string; key: string }; errors?: string[]; warning?: string | null }) {
  const { admin } = props;
  const clients = props.page.rows;
  const teams = props.teams ?? NO_TEAMS;
  return (
    <>
    {props.created ? <div id={NEW_KEY_SLOT} hx-swap-oob="true"><NewKeyPanel name={props.created.name} keyValue={props.created.key} /></div> : ''}
    <div id="clients-section">
      {admin ? <Card><CreateForm errors={props.errors} /></Card> : ''}
      <ModelNamesWarning text={props.warning} />
      {clients.length === 0 && props.page.beforeId === null ? (
        <EmptyState title="No clients yet">
          {admin ? 'Create one above: each client gets its own API key, and its usage is tracked separately.' : 'An admin can create client keys here.'}
        </EmptyState>
      ) : (
        <Card>
          <div class="table-wrap clients-wrap editor-rows">
            <table class="table" id="clients-table">
              <thead>
                <tr>
                  {COLUMNS.map(([title, numeric]) => <th class={numeric ? 'num' : undefined}>{title}</th>)}
                  {admin ? <th></th> : ''}
                </tr>
              </thead>
              {clients.map((c) => <ClientRowView c={c} admin={admin} teamNames={teams.names} />)}
            </table>
          </div>
          {admin ? <ChoiceList id={TEAM_CHOICES} url="/teams/choices" choices={teamChoiceList(teams.choices)} /> : ''}
          <ClientsPager page={props.page} />
        </Card>
      )}
    </div>
    </>
  );
}

export function ClientsView(props: { page: ClientsPage; admin: boolean; teams?: ClientsTeams }) {
  return (
    <div class="page" data-page="clients">
      <PageHeader title="Clients" subtitle="API keys that may call the gateway, and what each has used." />
      <div id={NEW_KEY_SLOT}></div>
      <ClientsSection page={props.page} admin={props.admin} teams={props.teams} />
    </div>
  );
}
