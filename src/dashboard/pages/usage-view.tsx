/** @jsxImportSource #html */
import { Card, fieldRefusal, ShareBar, Stat } from '../components/ui';
import { TeamFilterField } from '../components/team-filter';
import { EmptyState, PageHeader } from '../components/layout';
import { compactNumber, count, duration, percent, tokens, usd } from '../format';
import { RANGES, type UsageRange } from '../usage-range';

export interface UsageTotals {
  requests: number;
  errors: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  costUsd: number;
  /** Mean gateway overhead per request, ms (null when there were no requests). */
  meanOverheadMs: number | null;
  meanLatencyMs: number | null;
  /** Prompt tokens written to providers' prompt caches (part of promptTokens). */
  cacheWriteTokens?: number;
}

export interface UsagePoint {
  /** Bucket start, epoch ms. */
  t: number;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface BreakdownRow {
  label: string;
  /** What the row is beside its name, e.g. `embeddings` for an embedding model. */
  tag?: string;
  requests: number;
  errors: number;
  tokens: number;
  costUsd: number;
  cacheWriteTokens?: number;
}

export interface UsageViewModel {
  range: UsageRange;
  totals: UsageTotals;
  series: UsagePoint[];
  byProvider: BreakdownRow[];
  byModel: BreakdownRow[];
  byClient: BreakdownRow[];
  /** The log writer's queue since this process started (rows it could not take are counted). */
  logQueue: { depth: number; dropped: number };
  /**
   * The Team filter (unset: not shown): its value as typed or picked, the first teams for its
   * suggestions, and why a name was refused (then no figures are read, as on the Logs page).
   */
  team?: { value: string; teams: { id: number; name: string }[]; error?: string };
  /**
   * What a fresh install has set up, for the first steps shown while there is no usage (unset: not
   * known): a provider that needs a key enabled with one; a key that is not revoked.
   */
  setup?: { providerReady: boolean; keyMade: boolean };
}

function UsageFilters(props: { range: UsageRange; team?: UsageViewModel['team'] }) {
  const refusal = fieldRefusal({ errors: props.team?.error ? [props.team.error] : [], param: 'team', fields: ['team'], id: 'usage-filter-error' });
  return (
    <form class="range-picker usage-filters" hx-get="/" hx-target="#main" hx-push-url="true" hx-trigger="change, submit">
      {props.team ? <TeamFilterField id="usage-team" value={props.team.value} teams={props.team.teams} refusal={refusal}
        title="Type the start of a team's name and pick it: the usage of the requests its keys made while in it" /> : ''}
      <label class="sr-only" for="range">Range</label>
      <select name="range" id="range">
        {RANGES.map((r) => (
          <option value={r.key} selected={r.key === props.range.key}>
            {r.label}
          </option>
        ))}
      </select>
      <noscript><button type="submit" class="btn small">Show</button></noscript>
    </form>
  );
}

/** A done step of the first-steps list. */
const Done = (props: { done?: boolean }) => (props.done ? <span class="badge ok">done</span> : '');

/**
 * No usage at all on a fresh install: the steps to a first request, in order (a key alone does
 * not answer: requests fail until a provider with its key is set up), each marked once done.
 */
function FirstSteps(props: { setup?: UsageViewModel['setup'] }) {
  const s = props.setup;
  return (
    <EmptyState title="No requests in this range yet">
      <ol class="first-steps" id="usage-first-steps">
        <li>Set up a provider on the <a href="/providers">Providers</a> page: enable it and set its API key (Ollama and the
          local mock need none). <Done done={s?.providerReady} /></li>
        <li>Create a key for your app on the <a href="/clients">Clients</a> page. <Done done={s?.keyMade} /></li>
        <li>Send a first request: point an OpenAI SDK at this gateway's <code>/v1</code> with that key (see
          the <a href="/swagger" target="_blank" rel="noopener">API docs</a>). It shows on <a href="/monitor">Monitoring</a> the
          moment it finishes, and here a few seconds later.</li>
      </ol>
    </EmptyState>
  );
}

function Breakdown(props: { title: string; rows: BreakdownRow[]; id: string }) {
  const total = props.rows.reduce((s, r) => s + r.costUsd, 0);
  const totalReq = props.rows.reduce((s, r) => s + r.requests, 0);
  return (
    <Card title={props.title} id={props.id}>
      {props.rows.length === 0 ? (
        <p class="muted">Nothing in this range.</p>
      ) : (
        <div class="table-wrap"><table class="table compact">
          <thead>
            <tr><th>Name</th><th class="num">Requests</th><th class="num">Tokens</th><th class="num">Cost</th><th>Share</th></tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr>
                {/* The kind (embeddings, images) under the name: beside it, it widened the table past its card. */}
                <td><span class="clip" dir="auto" title={r.label} safe>{r.label}</span>{r.tag ? <div class="muted small tag" safe>{r.tag}</div> : ''}</td>
                <td class="num">{compactNumber(r.requests)}{r.errors ? <span class="muted"> ({compactNumber(r.errors)} err)</span> : ''}</td>
                <td class="num">
                  {compactNumber(r.tokens)}
                  {r.cacheWriteTokens ? <div class="muted small cache-write" title="Prompt tokens written to the provider's prompt cache">{`${compactNumber(r.cacheWriteTokens)} cache write`}</div> : ''}
                </td>
                <td class="num">{usd(r.costUsd)}</td>
                <td><ShareBar ratio={total > 0 ? r.costUsd / total : totalReq > 0 ? r.requests / totalReq : 0} /></td>
              </tr>
            ))}
          </tbody>
        </table></div>
      )}
    </Card>
  );
}

/** The Usage page content (goes into #main). Chart data rides in data-chart for web/charts.js. */
export function UsageView(props: { vm: UsageViewModel }) {
  const { range } = props.vm;
  return (
    <div class="page" data-page="usage">
      <PageHeader title="Usage" subtitle={`${range.label}, in ${range.bucket === 'hour' ? 'hourly' : 'daily'} buckets (UTC)`}>
        <UsageFilters range={range} team={props.vm.team} />
      </PageHeader>
      {props.vm.team?.error ? '' : <UsageFigures vm={props.vm} />}
    </div>
  );
}

/** The cards, charts and breakdowns (not read when the Team filter was refused). */
function UsageFigures(props: { vm: UsageViewModel }) {
  const { totals: t, range, series } = props.vm;
  // No requests: no rate ("—", as the mean overhead beside it), not "0%", a rate measured clean.
  const errorRate = t.requests ? percent(t.errors / t.requests) : '—';
  const chart = {
    bucket: range.bucket,
    labels: series.map((p) => p.t),
    requests: series.map((p) => p.requests),
    errors: series.map((p) => p.errors),
    promptTokens: series.map((p) => p.promptTokens),
    completionTokens: series.map((p) => p.completionTokens),
    cost: series.map((p) => p.costUsd),
  };
  return (
    <>
      <div class="stats" id="usage-stats">
        <Stat id="stat-requests" label="Requests" value={compactNumber(t.requests)} note={count(t.errors, 'error')} />
        <Stat id="stat-tokens" label="Tokens" value={compactNumber(t.promptTokens + t.completionTokens)}
          note={`${compactNumber(t.promptTokens)} in (${compactNumber(t.cachedTokens)} cached${t.cacheWriteTokens ? `, ${compactNumber(t.cacheWriteTokens)} cache write` : ''}) · ${compactNumber(t.completionTokens)} out (${compactNumber(t.reasoningTokens)} reasoning)`} />
        <Stat id="stat-cost" label="Cost" value={usd(t.costUsd)} note={t.requests ? `${usd(t.costUsd / t.requests)} per request` : undefined} />
        <Stat id="stat-error-rate" label="Error rate" value={errorRate} />
        <Stat id="stat-overhead" label="Mean overhead" value={t.meanOverheadMs == null ? '—' : duration(t.meanOverheadMs)}
          note={t.meanLatencyMs == null ? undefined : `${duration(t.meanLatencyMs)} mean latency`} />
      </div>
      {props.vm.logQueue.dropped > 0 ? (
        <p class="notice-text" id="log-dropped" role="alert">
          {count(props.vm.logQueue.dropped, 'request')} could not be logged since the gateway started: the log writer fell behind
          and its queue was full. Those requests were served, but are missing from these numbers.
        </p>
      ) : (
        ''
      )}
      {t.requests > 0 ? '' : props.vm.team?.value ? (
        <EmptyState title="No requests of this team in this range">Pick another team or a longer range, or clear the Team field for everyone's.</EmptyState>
      ) : <FirstSteps setup={props.vm.setup} />}
      <div class="grid-2">
        <Card title="Requests and cost">
          <div class="chart-box"><canvas id="chart-requests" data-chart="requests" data-series={JSON.stringify(chart)} aria-label="Requests and cost over time"></canvas></div>
        </Card>
        <Card title="Tokens">
          <div class="chart-box"><canvas id="chart-tokens" data-chart="tokens" data-series={JSON.stringify(chart)} aria-label="Tokens over time"></canvas></div>
        </Card>
      </div>
      <div class="grid-3">
        <Breakdown title="By provider" rows={props.vm.byProvider} id="breakdown-provider" />
        <Breakdown title="By model" rows={props.vm.byModel} id="breakdown-model" />
        <Breakdown title="By client" rows={props.vm.byClient} id="breakdown-client" />
      </div>
      <p class="muted small" id="log-queue">
        {tokens(t.promptTokens + t.completionTokens)} total. Log writer: {compactNumber(props.vm.logQueue.depth)} queued,{' '}
        {compactNumber(props.vm.logQueue.dropped)} dropped since start.
      </p>
    </>
  );
}
