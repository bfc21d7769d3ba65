/**
 * Every view rendered with hostile text in every user-controlled field: the markup must only
 * ever contain it escaped. Kita escapes attributes but NOT children unless `safe` is set, so a
 * missing `safe` on any of these fields fails here.
 */
import { describe, expect, test } from 'bun:test';
import { ClientsView, NewKeyPanel } from '../../src/dashboard/pages/clients-view';
import { TeamsView } from '../../src/dashboard/pages/teams-view';
import { GroupsView, RouteTryResult } from '../../src/dashboard/pages/groups-view';
import { LogDetailView, LogsView } from '../../src/dashboard/pages/logs-view';
import { logJson, type StoredLogRow } from '../../src/logging/log-row';
import { ModelsView } from '../../src/dashboard/pages/models-view';
import { MonitorView } from '../../src/dashboard/pages/monitor-view';
import { ProvidersView } from '../../src/dashboard/pages/providers-view';
import { UsageView } from '../../src/dashboard/pages/usage-view';
import { UsersView } from '../../src/dashboard/pages/users-view';
import { ChangePasswordPage, LoginPage } from '../../src/dashboard/pages/auth-views';
import { Shell } from '../../src/dashboard/components/layout';
import { FormErrors } from '../../src/dashboard/components/ui';
import { parseRange } from '../../src/dashboard/usage-range';
import { injected } from '../helpers/html-injections';

const X = '<img src=x onerror=alert(1)>';
const Q = `"><script>alert(2)</script>`;

/** A stored log row with markup in every text column. */
const hostileRow: StoredLogRow = {
  id: 1, createdAt: 0, requestId: X, parentRequestId: Q, clientId: 1, endpoint: 'chat', modelRequested: X, model: Q, provider: X, route: Q,
  attempts: X, stream: false, status: 500, errorType: X, error: X, promptTokens: 0, cachedTokens: 0, completionTokens: 0, reasoningTokens: 0,
  images: 0, estimated: false, costUsd: 0, latencyMs: 0, ttfbMs: 1, overheadMs: 0, queueMs: null, body: X + Q, providerKeyId: Q,
  cacheWriteTokens: 0, instance: X, teamId: null, costUnknown: false, providerCostUsd: null, computedCostUsd: null,
};

async function expectInert(html: string) {
  expect(await injected(html)).toEqual([]);
}

const html = async (el: JSX.Element) => String(await el);

test('the checker itself catches raw payloads', async () => {
  expect(await injected(`<div>${X}</div>`)).toEqual(['<img>', 'img[onerror]']);
  expect(await injected(`<div title="${Q}">x</div>`)).toEqual(['<script>']);
  expect(await injected(`<textarea>${'</textarea>'}${X}</textarea>`)).toContain('<img>');
});

describe('every dashboard view escapes user-controlled text', () => {
  test('clients (table, rename form, key panel)', async () => {
    const c = { id: 1, name: X + Q, keyPrefix: Q, revoked: false, expired: false, createdAt: 0, lastUsedAt: null, requests: 1, tokens: 2, costUsd: 0.1 };
    const out = await html(<ClientsView page={{ rows: [c], beforeId: null, nextBeforeId: null }} admin />);
    await expectInert(out);
    // A team's name in a key's summary, its picker and the page's suggestion list.
    const limits = { models: null, budgetUsd: null, budgetPeriod: 'month' as const, rpm: null, tpm: null, spendUsd: 0, teamId: 7 };
    const teams = { names: new Map([[7, X + Q]]), choices: [{ id: 7, name: X + Q }] };
    await expectInert(await html(<ClientsView page={{ rows: [{ ...c, limits }], beforeId: null, nextBeforeId: null }} teams={teams} admin />));
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    await expectInert(await html(<NewKeyPanel name={X} keyValue={Q} />));
  });

  test('usage breakdowns', async () => {
    const row = { label: X + Q, requests: 1, errors: 0, tokens: 5, costUsd: 0.01 };
    const vm = {
      range: parseRange('24h'),
      totals: { requests: 1, errors: 0, promptTokens: 1, cachedTokens: 0, completionTokens: 1, reasoningTokens: 0, costUsd: 0, meanOverheadMs: 1, meanLatencyMs: 2 },
      series: [], byProvider: [row], byModel: [row], byClient: [row],
      logQueue: { depth: 0, dropped: 2 },
    };
    await expectInert(await html(<UsageView vm={vm} />));
  });

  test('teams (table, find form, pager)', async () => {
    const t = { id: 3, name: X + Q, models: [Q], budget_usd: null, budget_period: 'month' as const, rpm: null, tpm: null, spend_usd: 0, budget_resets_at: null, client_ids: [1, 2], created_at: 0, updated_at: 0 };
    // A revoked key's name goes through its own markup (the "(revoked)" mark and its tooltip).
    const members = new Map([[1, { name: X, revoked: false }], [2, { name: Q, revoked: true }]]);
    for (const rows of [[t], []]) {
      const out = await html(<TeamsView page={{ rows, afterId: 2, nextAfterId: 3, q: X + Q }} admin members={members} />);
      await expectInert(out);
    }
  });

  test('logs list, filters and detail', async () => {
    const filters = { from: Q, to: Q, client: Q, team: Q + X, provider: Q, model: Q + X, status: Q };
    const vm = { rows: [{ ...hostileRow, clientName: X }], filters, beforeId: null, nextBeforeId: 5, clients: [{ id: 1, name: X, revoked: true }], teams: [{ id: 1, name: X }], providers: ['openai'] };
    // A refused filter shows only its error; the rows (and the list's own texts) only without one.
    await expectInert(await html(<LogsView vm={{ ...vm, error: X }} />));
    await expectInert(await html(<LogsView vm={vm} />));
    await expectInert(await html(<LogDetailView d={{ ...hostileRow, clientName: X, providerKey: Q }} />));
  });

  test('models, providers, groups, try-routing, users', async () => {
    const m = { id: X, provider: Q, upstreamId: Q, kind: 'chat' as const, enabled: true, inputPrice: 1, cachedInputPrice: null, outputPrice: 2, reasoningPrice: null, imagePrice: null };
    await expectInert(await html(<ModelsView models={[m]} providers={[X]} provider={null} admin />));
    await expectInert(await html(<ModelsView models={[m]} providers={[X]} provider={null} admin={false} />));
    const p = {
      id: 'openai', name: X, enabled: true, baseUrl: Q, defaultBaseUrl: Q, needsKey: true, keyLast4: X, keyFromEnv: false,
      circuit: 'open' as const, recentErrorRate: 0.5, recentRequests: 2,
    };
    await expectInert(await html(<ProvidersView providers={[p]} admin />));
    const form = { name: X, strategy: 'heuristic' as const, targets: X, logicLevel: Q, primaryUse: X, classifierModel: Q, scaleMin: Q, scaleMax: Q, threshold: Q, timeoutMs: Q, rules: `</textarea>${X}` };
    const g = { name: X, strategy: 'classifier' as const, targets: [X, Q], logicLevel: 3, primaryUse: Q, form, seeded: false };
    const groups = await html(<GroupsView groups={[g]} admin blank={form} />);
    await expectInert(groups);
    await expectInert(await html(<RouteTryResult r={{ ok: true, path: X, reason: Q, targets: [X] }} />));
    await expectInert(await html(<RouteTryResult r={{ ok: false, error: X }} />));
    await expectInert(await html(<UsersView users={[{ id: 2, username: X, role: 'viewer', mustChangePassword: true, createdAt: 0 }]} selfId={1} />));
  });

  test('monitor seed data, the shell and the auth pages', async () => {
    await expectInert(await html(<MonitorView initial={[logJson(hostileRow)]} clientNames={{ '1': X + Q }} />));
    const shell = await html(<Shell user={{ id: 1, username: X + Q, role: 'admin', csrfToken: Q }} active="usage" title={X}><p>hi</p></Shell>);
    await expectInert(shell);
    await expectInert(await html(<LoginPage username={Q + X} errors={[X]} />));
    await expectInert(await html(<ChangePasswordPage csrfToken={Q} username={Q + X} forced />));
    // A refused form's message, with the name of the field it is about (change password's among them).
    await expectInert(await html(<FormErrors errors={[X]} param={Q + X} />));
  });
});
