/** @jsxImportSource #html */
import type { TeamView } from '../../admin/teams-service';
import { Card, EditorRow, FormErrors, postTo } from '../components/ui';
import { EmptyState, PageHeader } from '../components/layout';
import { Pager } from '../components/pager';
import { count } from '../format';
import { BudgetBar, LimitInputs, LimitSummary, ModelNamesWarning, type LimitValues } from '../components/limits-ui';

const valuesOf = (t: TeamView): LimitValues => ({
  models: t.models, budgetUsd: t.budget_usd, budgetPeriod: t.budget_period, rpm: t.rpm, tpm: t.tpm, spendUsd: t.spend_usd, resetsAt: t.budget_resets_at,
});
const EMPTY: LimitValues = { models: null, budgetUsd: null, budgetPeriod: 'month', rpm: null, tpm: null, spendUsd: 0 };

/** Where the "New team" form shows why a team was not created (the form keeps what was typed). */
export const TEAM_CREATE_ERRORS = 'team-create-errors';

function CreateForm(props: { errors?: string[]; notice?: string }) {
  return (
    <form id="team-create" {...postTo('/teams')} hx-target="#teams-section" hx-swap="outerHTML">
      <div class="inline-form">
        <label for="team-name">New team</label>
        <input id="team-name" name="name" required maxlength="100" placeholder="e.g. research" autocomplete="off" />
      </div>
      <LimitInputs v={EMPTY} idPrefix="team-new" />
      <button type="submit" class="btn primary">Create team</button>
      {/* The notice in the errors' slot: a failed create that follows replaces it. */}
      <div id={TEAM_CREATE_ERRORS}><FormErrors errors={props.errors} />{props.notice ? <p class="saved" role="status" safe>{props.notice}</p> : ''}</div>
    </form>
  );
}

/** Where a team's edit form shows its validation errors (the form stays open). */
export const teamErrorSlot = (id: number) => `team-${id}-errors`;

/** The teams table's columns; an admin's has one more, the actions. */
const TEAM_COLUMNS = ['Team', 'Limits', 'Spend / budget', 'Keys'];

/** Keys named in a team's row; the rest are counted (a team of 3,000 keys made one row of 3,000 names). */
export const MEMBERS_SHOWN = 8;

/** One page of the Teams table, by name; paging by the last team's id (keyset, as /api/teams). */
export interface TeamsPage {
  rows: TeamView[];
  /** Set when this page continues an earlier one. */
  afterId: number | null;
  /** Id to continue from for the next page; null on the last page. */
  nextAfterId: number | null;
  /** Only teams whose name starts with this (up to case); blank = every team. */
  q: string;
}

/** A page's address: the filter, then the cursor, as the Clients and Logs pages keep theirs. */
export function teamsPageHref(q: string, afterId: number | null): string {
  const p = new URLSearchParams();
  if (q) p.set('q', q);
  if (afterId !== null) p.set('after_id', String(afterId));
  const s = p.toString();
  return s ? `/teams?${s}` : '/teams';
}

/** "First" and "Next" links, shown when there is more than one page. */
function TeamsPager(props: { page: TeamsPage }) {
  const { afterId, nextAfterId, rows, q } = props.page;
  if (afterId === null && nextAfterId === null) return '';
  return (
    <Pager label="Pages of teams" count={count(rows.length, 'team')}
      first={afterId !== null ? { id: 'teams-first', href: teamsPageHref(q, null), text: '← First' } : null}
      next={nextAfterId !== null ? { id: 'teams-next', href: teamsPageHref(q, nextAfterId), text: 'Next →' } : null} />
  );
}

/** Finds teams by the start of their name: with thousands, paging alone does not find one. */
function FindForm(props: { q: string }) {
  return (
    <form class="inline-form" role="search" method="get" action="/teams" hx-get="/teams" hx-target="#main" hx-push-url="true">
      <label for="teams-find">Find team</label>
      <input id="teams-find" name="q" type="search" value={props.q} maxlength="100" placeholder="start of a name" autocomplete="off" />
      <button type="submit" class="btn small">Find</button>
      {props.q ? <a class="btn small ghost" href="/teams" hx-get="/teams">Show all</a> : ''}
    </form>
  );
}

/** The keys a page's team rows name, by id: each key's name, and whether it was revoked. */
export type TeamMembers = Map<number, { name: string; revoked: boolean }>;

/**
 * A key named in a team's row. A revoked one says so: a team keeps its revoked keys (their spend
 * is the team's), and the row named a key revoked a moment ago as if it still called.
 */
function MemberName(props: { name: string; revoked: boolean }) {
  if (!props.revoked) return <span class="clip" dir="auto" title={props.name} safe>{props.name}</span>;
  return <span class="muted" data-revoked><span class="clip" dir="auto" title={`${props.name} (revoked)`} safe>{props.name}</span> (revoked)</span>;
}

function TeamRow(props: { t: TeamView; admin: boolean; members: TeamMembers }) {
  const { t, admin } = props;
  const members = t.client_ids.slice(0, MEMBERS_SHOWN).map((id) => props.members.get(id) ?? { name: `#${id}`, revoked: false });
  const more = t.client_ids.length - members.length;
  // One <tbody> per team: its row, and its editor on a row of its own under it (EditorRow).
  return (
    <tbody id={`team-${t.id}`} class="team" x-data="editors">
    <tr>
      <td><strong class="team-name clip" dir="auto" title={t.name} safe>{t.name}</strong></td>
      <td><LimitSummary v={valuesOf(t)} /></td>
      <td class="team-budget"><BudgetBar spendUsd={t.spend_usd} budgetUsd={t.budget_usd} period={t.budget_period} resetsAt={t.budget_resets_at} /></td>
      <td class="small team-keys">
        {members.length ? members.map((m, i) => <>{i ? ', ' : ''}<MemberName {...m} /></>) : '—'}
        {more > 0 ? <span class="muted">{` and ${more.toLocaleString('en-US')} more`}</span> : ''}
      </td>
      {admin ? (
        <td class="actions">
          <button type="button" class="btn small ghost" data-opens="team" x-show="!open.team" x-on:click="toggle('team')">Edit</button>
          <button type="button" class="btn small danger" hx-post={`/teams/${t.id}/delete`} hx-target="#teams-section" hx-swap="outerHTML"
            hx-confirm="Delete this team? Its keys stay, without a team.">Delete</button>
        </td>
      ) : ''}
    </tr>
    {admin ? (
      <EditorRow editor="team" columns={TEAM_COLUMNS.length + 1} titleId={`team-${t.id}-title`} action={`/teams/${t.id}`} target="#teams-section"
        title={<>Limits of <span class="clip" dir="auto" title={t.name} safe>{t.name}</span></>}>
        <div id={teamErrorSlot(t.id)}></div>
        <label for={`team-${t.id}-name`}>Name <input id={`team-${t.id}-name`} name="name" value={t.name} required maxlength="100" /></label>
        <LimitInputs v={valuesOf(t)} idPrefix={`team-${t.id}`} />
        <button type="submit" class="btn small primary">Save</button>
        <button type="button" class="btn small ghost" x-on:click="close('team')">Cancel</button>
      </EditorRow>
    ) : ''}
    </tbody>
  );
}

/** Everything below the header; changes swap this whole section. */
/**
 * What a create says: the list is by name, a page at a time (and maybe filtered), so the new team
 * is often not among the rows shown, and the form emptied with nothing else changed.
 */
function createdNotice(page: TeamsPage, created: { id: number; name: string }): string {
  const shown = page.rows.some((t) => t.id === created.id);
  return `Created team '${created.name}'.${shown ? '' : ' It is not on this page of the list: Find team finds it by name.'}`;
}

export function TeamsSection(props: { page: TeamsPage; admin: boolean; members: TeamMembers; errors?: string[]; warning?: string | null; created?: { id: number; name: string } }) {
  const { page, admin } = props;
  const teams = page.rows;
  return (
    <div id="teams-section">
      {admin ? <Card><CreateForm errors={props.errors} notice={props.created ? createdNotice(page, props.created) : undefined} /></Card> : ''}
      <ModelNamesWarning text={props.warning} />
      {/* Above the table, after New team: an admin's first stop on the page stays the create form. */}
      {teams.length > 0 || page.q || page.afterId !== null ? <FindForm q={page.q} /> : ''}
      {teams.length === 0 && page.q ? (
        <EmptyState title="No team found"><span safe>{`No team's name starts with '${page.q}'.`}</span></EmptyState>
      ) : teams.length === 0 && page.afterId === null ? (
        <EmptyState title="No teams yet">
          {admin ? "Create one above, then put client keys in it from the Clients page: the team's limits apply on top of each key's own." : 'An admin can create teams here.'}
        </EmptyState>
      ) : (
        <Card>
          <div class="table-wrap editor-rows">
            <table class="table" id="teams-table">
              <thead>
                <tr>{TEAM_COLUMNS.map((title) => <th>{title}</th>)}{admin ? <th></th> : ''}</tr>
              </thead>
              {teams.map((t) => <TeamRow t={t} admin={admin} members={props.members} />)}
            </table>
          </div>
          <TeamsPager page={page} />
        </Card>
      )}
    </div>
  );
}

export function TeamsView(props: { page: TeamsPage; admin: boolean; members: TeamMembers }) {
  return (
    <div class="page" data-page="teams">
      <PageHeader title="Teams" subtitle="Groups of client keys with shared limits: allowed models, a budget, requests and tokens per minute." />
      <TeamsSection {...props} />
    </div>
  );
}
