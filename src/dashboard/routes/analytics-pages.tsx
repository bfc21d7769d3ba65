/** @jsxImportSource @kitajs/html */
import { Elysia } from 'elysia';
import { eq } from 'drizzle-orm';
import { clientNames } from '../../admin/clients-service';
import type { AppContext } from '../../context';
import { requestLogs } from '../../db/schema';
import { listLogs, usageBreakdown, usageSummary, usageTimeseries, type LogRow as QueryLogRow } from '../../logging/usage-queries';
import { PROVIDER_IDS } from '../../providers/types';
import type { ProviderId } from '../../providers/types';
import { authenticateRequest } from '../../auth/authenticate';
import { pageUser } from '../dash-session';
import { LoginPage } from '../pages/auth-views';
import { pageResponse } from '../page-response';
import { LogDetailView, LogsView, type LogFilters, type LogRow } from '../pages/logs-view';
import { MonitorView, type MonitorRow } from '../pages/monitor-view';
import { UsageView, type BreakdownRow } from '../pages/usage-view';
import { htmlResponse } from '../respond';
import { parseRange, rangeBounds } from '../usage-range';
import { logFilterFrom, logFiltersOf } from '../log-filters';

const hidden = { detail: { hide: true } };
const PAGE_SIZE = 50;

type Totals = ReturnType<typeof usageBreakdown>[number];
const breakdownRow = (r: Totals): BreakdownRow => ({
  label: r.label, requests: r.requests, errors: r.errors, tokens: r.prompt_tokens + r.completion_tokens, costUsd: r.cost_usd,
  cacheWriteTokens: r.cache_write_tokens,
});

function logRow(r: QueryLogRow, names: Map<number, string>): LogRow {
  return {
    id: r.id, createdAt: r.created_at, clientId: r.client_id, clientName: r.client_id == null ? null : names.get(r.client_id) ?? null,
    endpoint: r.endpoint, modelRequested: r.model_requested, model: r.model, provider: r.provider, route: r.route, stream: r.stream,
    status: r.status, promptTokens: r.prompt_tokens, cachedTokens: r.cached_tokens, completionTokens: r.completion_tokens,
    reasoningTokens: r.reasoning_tokens, costUsd: r.cost_usd, latencyMs: r.latency_ms, overheadMs: r.overhead_ms, error: r.error,
    cacheWriteTokens: r.cache_write_tokens,
  };
}

/** Embedding and image models are named as such in the usage breakdown (rollups have no endpoint column). */
const KIND_TAG: Record<string, string> = { embedding: 'embeddings', image: 'images' };
function modelTag(ctx: AppContext, model: string | null): string | undefined {
  const kind = model ? ctx.state.getSnapshot().models.get(model)?.kind : undefined;
  return kind ? KIND_TAG[kind] : undefined;
}

/** Usage, Monitoring and Logs: read-only, open to viewers. All numbers come from usage-queries. */
export function analyticsPages(ctx: AppContext) {
  return new Elysia({ name: 'dashboard-analytics-pages' })
    .get('/', ({ request, query }) => {
      const user = pageUser(ctx, request);
      // The front door answers 200 with the sign-in form (a bookmark, a health probe or curl of
      // `/` sees the dashboard, not a bare redirect); HTMX swaps still get HX-Location.
      if (user instanceof Response && !request.headers.has('hx-request') && !authenticateRequest(ctx, request))
        return htmlResponse(<LoginPage />);
      if (user instanceof Response) return user;
      const range = parseRange(query.range);
      const { from, to } = rangeBounds(range);
      const f = { from, to };
      const s = usageSummary(ctx.sqlite, f);
      const vm = {
        range,
        totals: {
          requests: s.requests, errors: s.errors, promptTokens: s.prompt_tokens, cachedTokens: s.cached_tokens,
          completionTokens: s.completion_tokens, reasoningTokens: s.reasoning_tokens, costUsd: s.cost_usd,
          meanOverheadMs: s.requests ? s.avg_overhead_ms : null, meanLatencyMs: s.requests ? s.avg_latency_ms : null,
          cacheWriteTokens: s.cache_write_tokens,
        },
        series: usageTimeseries(ctx.sqlite, range.bucket, f).map((p) => ({
          t: p.t, requests: p.requests, errors: p.errors, promptTokens: p.prompt_tokens, completionTokens: p.completion_tokens, costUsd: p.cost_usd,
        })),
        byProvider: usageBreakdown(ctx.sqlite, 'provider', f, 20).map(breakdownRow),
        byModel: usageBreakdown(ctx.sqlite, 'model', f, 20).map((r) => ({ ...breakdownRow(r), tag: modelTag(ctx, r.key) })),
        byClient: usageBreakdown(ctx.sqlite, 'client', f, 20).map(breakdownRow),
        logQueue: ctx.logSink.stats(),
      };
      return pageResponse(request, user, 'usage', 'Usage', <UsageView vm={vm} />);
    }, hidden)
    .get('/monitor', ({ request }) => {
      const user = pageUser(ctx, request);
      if (user instanceof Response) return user;
      const names = clientNames(ctx);
      const initial: MonitorRow[] = listLogs(ctx.sqlite, { limit: 50 }).map((r) => ({
        id: `log-${r.id}`, t: r.created_at, status: r.status, model: r.model ?? r.model_requested, provider: r.provider ?? '',
        route: r.route ?? '', client: r.client_id == null ? '—' : names.get(r.client_id) ?? `#${r.client_id}`,
        promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens, costUsd: r.cost_usd, latencyMs: r.latency_ms, error: r.error ?? '',
      }));
      const nameMap = Object.fromEntries([...names].map(([id, n]) => [String(id), n]));
      return pageResponse(request, user, 'monitor', 'Monitoring', <MonitorView initial={initial} clientNames={nameMap} />);
    }, hidden)
    .get('/logs', ({ request, query }) => {
      const user = pageUser(ctx, request);
      if (user instanceof Response) return user;
      const filters: LogFilters = logFiltersOf(query);
      const filter = logFilterFrom(filters, query.before_id, PAGE_SIZE + 1);
      const names = clientNames(ctx);
      const rows = filter.ok ? listLogs(ctx.sqlite, filter.value) : [];
      const page = rows.slice(0, PAGE_SIZE);
      const vm = {
        rows: page.map((r) => logRow(r, names)),
        filters,
        beforeId: filter.ok ? filter.value.beforeId ?? null : null,
        nextBeforeId: rows.length > PAGE_SIZE ? page.at(-1)!.id : null,
        clients: [...names].map(([id, name]) => ({ id, name })),
        providers: [...PROVIDER_IDS],
        error: filter.ok ? undefined : filter.error,
      };
      return pageResponse(request, user, 'logs', 'Logs', <LogsView vm={vm} />);
    }, hidden)
    .get('/logs/:id', ({ request, params }) => {
      const user = pageUser(ctx, request);
      if (user instanceof Response) return user;
      const id = Number(params.id);
      const row = Number.isSafeInteger(id) ? ctx.db.select().from(requestLogs).where(eq(requestLogs.id, id)).get() : undefined;
      if (!row) return htmlResponse(<p class="muted">That request is no longer in the log (retention may have removed it).</p>, { status: 404 });
      const clientName = row.clientId == null ? null : clientNames(ctx).get(row.clientId) ?? null;
      const poolKey = ctx.state.getSnapshot().providers.get(row.provider as ProviderId)?.keys?.find((k) => k.id === row.providerKeyId);
      const providerKey = poolKey ? `${poolKey.label} ••••${poolKey.last4}` : row.providerKeyId;
      return htmlResponse(
        <LogDetailView d={{ ...row, clientName, providerKey, attempts: row.attempts, body: row.body, images: row.images, errorType: row.errorType, ttfbMs: row.ttfbMs, parentRequestId: row.parentRequestId }} />,
      );
    }, hidden);
}
