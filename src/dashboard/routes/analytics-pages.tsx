/** @jsxImportSource #html */
import { Elysia } from 'elysia';
import { eq } from 'drizzle-orm';
import { clientChoices, clientIdByName, clientNamesOf } from '../../admin/name-lookups';
import { ApiError } from '../../errors/api-error';
import { CHOICES_SHOWN, clientChoiceValue } from '../components/choices';
import { decimalId } from '../../admin/decimal-id';
import type { AppContext } from '../../context';
import { requestLogs } from '../../db/schema';
import { logJson } from '../../logging/log-row';
import { listLogs, NO_USAGE, usageBreakdown, usageSummary, usageTimeseries } from '../../logging/usage-queries';
import { PROVIDER_IDS } from '../../providers/types';
import type { ProviderId } from '../../providers/types';
import { authenticateRequest } from '../../auth/authenticate';
import { pageRoute, pageGuard, pageUser } from '../dash-session';
import { LoginPage } from '../pages/auth-views';
import { pageResponse } from '../page-response';
import { isAdmin } from '../dash-types';
import { LogDetailGone, LogDetailView, LogsView, type LogDetail, type LogFilters, type LogsViewModel } from '../pages/logs-view';
import { MonitorView } from '../pages/monitor-view';
import { UsageView, type BreakdownRow, type UsageViewModel } from '../pages/usage-view';
import { teamFilter, teamFilterChoices } from '../team-filter';
import { lacksNeededKey, PROVIDER_CATALOG } from '../../providers/provider-catalog';
import { htmlResponse, isHtmx } from '../respond';
import { parseRange, rangeBounds } from '../usage-range';
import { dateTimeField, logFilterFrom, logFiltersOf } from '../log-filters';

const hidden = { detail: { hide: true } };
const PAGE_SIZE = 50;

type Totals = Awaited<ReturnType<typeof usageBreakdown>>[number];
const breakdownRow = (r: Totals): BreakdownRow => ({
  label: r.label, requests: r.requests, errors: r.errors, tokens: r.prompt_tokens + r.completion_tokens, costUsd: r.cost_usd,
  cacheWriteTokens: r.cache_write_tokens,
});

/** Embedding and image models are named as such in the usage breakdown (rollups have no endpoint column). */
const KIND_TAG: Record<string, string> = { embedding: 'embeddings', image: 'images' };
function modelTag(ctx: AppContext, model: string | null): string | undefined {
  const kind = model ? ctx.state.getSnapshot().models.get(model)?.kind : undefined;
  return kind ? KIND_TAG[kind] : undefined;
}

/** Usage, Monitoring and Logs: read-only, open to viewers. All numbers come from usage-queries. */
export function analyticsPages(ctx: AppContext) {
  return new Elysia({ name: 'dashboard-analytics-pages' })
    .use(pageGuard(ctx))
    .get('/', async ({ request, query }) => {
      const user = pageUser(ctx, request);
      // The front door answers 200 with the sign-in form (a bookmark, a health probe or curl of
      // `/` sees the dashboard, not a bare redirect); HTMX swaps still get HX-Location.
      if (user instanceof Response && !request.headers.has('hx-request') && !authenticateRequest(ctx, request))
        return htmlResponse(<LoginPage />);
      if (user instanceof Response) return user;
      return pageResponse(request, user, 'usage', 'Usage', <UsageView vm={await usagePage(ctx, query)} />);
    }, hidden)
    .get('/monitor', async ({ user, request }) => {
      const initial = (await listLogs(ctx.store, { limit: 50 })).map(logJson);
      // Only the names of the keys the page shows: the live events name their own key
      // (monitor/redact-record.ts), and every key's name made the page grow with the key count.
      const names = await clientNamesOf(ctx, initial.map((r) => r.client_id));
      const nameMap = Object.fromEntries([...names].map(([id, n]) => [String(id), n]));
      return pageResponse(request, user, 'monitor', 'Monitoring', <MonitorView initial={initial} clientNames={nameMap} showInstance={ctx.store.kind === 'postgres'} />);
    }, pageRoute())
    .get('/logs', async ({ user, request, query }) => {
      return pageResponse(request, user, 'logs', 'Logs', <LogsView vm={await logsPage(ctx, query)} />);
    }, pageRoute())
    .get('/logs/:id', async ({ user, request, params }) => {
      const found = await logDetail(ctx, params.id, isAdmin(user));
      const detail = found ? <LogDetailView d={found} /> : <LogDetailGone />;
      const status = found ? 200 : 404;
      // A row clicked on the Logs page fills its detail panel; an address opened directly (a
      // bookmark, a link, a reload) gets the Logs page with that row's detail open in it.
      if (wantsDetailOnly(request)) return htmlResponse(detail, { status });
      return pageResponse(request, user, 'logs', found ? `Request #${found.id}` : 'Logs', <LogsView vm={await logsPage(ctx, {})} detail={detail} />, status);
    }, pageRoute());
}

/** HTMX loading the detail into its panel (any target but #main or the whole body). */
function wantsDetailOnly(request: Request): boolean {
  const target = request.headers.get('hx-target');
  return isHtmx(request) && request.headers.get('hx-history-restore-request') !== 'true' && target !== null && target !== 'main';
}

/** The Usage page's view model for a query string (range and team); every figure from usage-queries. */
async function usagePage(ctx: AppContext, query: Record<string, string | undefined>): Promise<UsageViewModel> {
  const range = parseRange(query.range);
  const typed = logFiltersOf(query).team ?? '';
  const [team, teams] = await Promise.all([teamFilter(ctx, typed), teamFilterChoices(ctx)]);
  const pick = { value: typed, teams, error: team.ok ? undefined : team.error };
  const base = { range, team: pick, logQueue: ctx.logSink.stats(), setup: setupState(ctx) };
  // A refused name reads nothing: the page shows the refusal under the field, as the Logs page does.
  if (!team.ok) return { ...base, totals: usageTotals(NO_USAGE), series: [], byProvider: [], byModel: [], byClient: [] };
  const f = { ...rangeBounds(range), teamId: team.teamId ?? undefined };
  const [s, series, byProvider, byModel, byClient] = await Promise.all([
    usageSummary(ctx.store, f),
    usageTimeseries(ctx.store, range.bucket, f),
    usageBreakdown(ctx.store, 'provider', f, 20),
    usageBreakdown(ctx.store, 'model', f, 20),
    usageBreakdown(ctx.store, 'client', f, 20),
  ]);
  return {
    ...base,
    totals: usageTotals(s),
    series: series.map((p) => ({
      t: p.t, requests: p.requests, errors: p.errors, promptTokens: p.prompt_tokens, completionTokens: p.completion_tokens, costUsd: p.cost_usd,
    })),
    byProvider: byProvider.map(breakdownRow),
    byModel: byModel.map((r) => ({ ...breakdownRow(r), tag: modelTag(ctx, r.key) })),
    byClient: byClient.map(breakdownRow),
  };
}

type Summary = Awaited<ReturnType<typeof usageSummary>>;
const usageTotals = (s: Summary): UsageViewModel['totals'] => ({
  requests: s.requests, errors: s.errors, promptTokens: s.prompt_tokens, cachedTokens: s.cached_tokens,
  completionTokens: s.completion_tokens, reasoningTokens: s.reasoning_tokens, costUsd: s.cost_usd,
  meanOverheadMs: s.requests ? s.avg_overhead_ms : null, meanLatencyMs: s.requests ? s.avg_latency_ms : null,
  cacheWriteTokens: s.cache_write_tokens,
});

/**
 * What a fresh install has set up (the Usage page's first steps), from the in-memory snapshot. A
 * provider counts once one that needs a key is enabled with it: Ollama is on by default, whether
 * or not one runs, so it would mark the step done on every fresh install.
 */
function setupState(ctx: AppContext): UsageViewModel['setup'] {
  const snap = ctx.state.getSnapshot();
  return {
    providerReady: [...snap.providers.values()].some((p) => p.enabled && PROVIDER_CATALOG[p.id].needsKey && !lacksNeededKey(p)),
    keyMade: [...snap.clientsByKeyHash.values()].some((c) => !c.revoked),
  };
}

/** The Logs page's view model for a query string (filters and paging). */
async function logsPage(ctx: AppContext, query: Record<string, string | undefined>): Promise<LogsViewModel> {
  const filters: LogFilters = logFiltersOf(query);
  // The client and team filters hold what the person typed or picked (a key's `name (#id)`, id or
  // name; a team's name): read as ids here, then parsed with the others as /api/logs parses
  // client_id and team. A name that matches nothing is refused under its field.
  let clientId: number | null = null;
  let lookupError: { ok: false; error: string; field: string } | undefined;
  try {
    clientId = await clientIdByName(ctx, filters.client, 'client');
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    lookupError = { ok: false, error: err.message, field: err.param ?? 'client' };
  }
  const team = await teamFilter(ctx, filters.team ?? '');
  if (!team.ok) lookupError ??= team;
  const teamId = team.ok ? team.teamId : null;
  const asId = (id: number | null) => (id === null ? '' : String(id));
  const filter = lookupError ?? logFilterFrom({ ...filters, client: asId(clientId), team: asId(teamId) }, query.before_id, PAGE_SIZE + 1);
  const rows = filter.ok ? await listLogs(ctx.store, filter.value) : [];
  const page = rows.slice(0, PAGE_SIZE);
  // Names of this page's keys and of the filter's, not of every key.
  const names = await clientNamesOf(ctx, [...page.map((r) => r.clientId), clientId]);
  const shown = clientId !== null && names.has(clientId) ? clientChoiceValue({ id: clientId, name: names.get(clientId)! }) : filters.client;
  return {
    rows: page.map((r) => ({ ...r, clientName: r.clientId == null ? null : names.get(r.clientId) ?? null })),
    filters: { ...filters, client: shown, from: dateTimeField(filters.from), to: dateTimeField(filters.to) },
    beforeId: filter.ok ? filter.value.beforeId ?? null : null,
    nextBeforeId: rows.length > PAGE_SIZE ? page.at(-1)!.id : null,
    clients: await clientChoices(ctx, '', CHOICES_SHOWN),
    teams: await teamFilterChoices(ctx),
    providers: [...PROVIDER_IDS],
    error: filter.ok ? undefined : filter.error,
    errorField: filter.ok ? null : filter.field,
  };
}

/**
 * One stored row with its client's name and the pool key it used, or null when it is gone. Its
 * body (prompt and answer, kept with LOGGING__STORE_BODIES) only for an admin, as /api/logs never
 * returns bodies: a viewer is told one was kept.
 */
async function logDetail(ctx: AppContext, rawId: string, admin: boolean): Promise<LogDetail | null> {
  // Plain decimal, as /api reads ids: Number() took /logs/0x10 and /logs/1e1 for row 16 and 10.
  const id = decimalId(rawId);
  const row = id !== null ? (await ctx.db.select().from(requestLogs).where(eq(requestLogs.id, id)))[0] : undefined;
  if (!row) return null;
  const clientName = row.clientId == null ? null : (await clientNamesOf(ctx, [row.clientId])).get(row.clientId) ?? null;
  const poolKey = ctx.state.getSnapshot().providers.get(row.provider as ProviderId)?.keys?.find((k) => k.id === row.providerKeyId);
  // A key removed from the pool since: its pool id, said to be gone (a bare "1" read as a count).
  const providerKey = poolKey ? `${poolKey.label} ••••${poolKey.last4}` : row.providerKeyId == null ? null : `#${row.providerKeyId} (removed)`;
  if (!admin && row.body != null) return { ...row, body: null, bodyHidden: true, clientName, providerKey };
  return { ...row, clientName, providerKey };
}
