/**
 * The Usage page's ranges (24h, 7d hourly; 30d, 90d daily) and the time-series API count rows at
 * their UTC bucket edges (exactly on an hour or a day, and the millisecond before) in the right
 * bucket, on SQLite and on PostgreSQL; and raw-row retention deleting old rows changes none of it
 * (the rollups keep them). Rows go through the gateway's real log sink with chosen times; the
 * expected figures are summed here from those rows.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import type { LogRow } from '../../src/logging/log-row';
import { parseRange, rangeBounds } from '../../src/dashboard/usage-range';

const H = 3_600_000;
const D = 24 * H;

function row(i: number, createdAt: number, clientId: number, failed = false): LogRow {
  return {
    createdAt, requestId: `edge-${crypto.randomUUID()}`, clientId, endpoint: 'chat', modelRequested: 'gpt-4o', model: 'gpt-4o',
    provider: 'openai', route: null, stream: false, status: failed ? 502 : 200, errorType: failed ? 'upstream_error' : null,
    error: failed ? 'upstream returned 502' : null, promptTokens: 100 + i, cachedTokens: 0, completionTokens: 10 + i,
    reasoningTokens: 0, estimated: false, costUsd: (i + 1) * 1e-4, latencyMs: 10, ttfbMs: null, overheadMs: 1,
  };
}

function scenario(name: string, envOf: () => Promise<{ env: Record<string, string>; done?: () => Promise<void> }>) {
  describe(name, () => {
    let gw: TestGateway;
    let admin: Session;
    let done: (() => Promise<void>) | undefined;
    const now = Date.now();
    const H0 = Math.floor(now / H) * H;
    const D0 = Math.floor(now / D) * D;
    // Every range's first bucket starts here (see rangeBounds): the row on it is in, the one before out.
    const edges = (['24h', '7d', '30d', '90d'] as const).map((k) => rangeBounds(parseRange(k), now).from);
    const times = [
      H0, H0 - 1, D0, D0 - 1, D0 - 6 * D, D0 - 40 * D, D0 - 40 * D + 5 * H,
      ...edges.flatMap((e) => [e, e - 1]),
    ];
    const rows = times.map((t, i) => row(i, t, 1 + (i % 2), i % 3 === 0));

    beforeAll(async () => {
      const extra = await envOf();
      done = extra.done;
      gw = await startGateway({ storeLogs: true, env: extra.env });
      admin = await login(gw, 'admin', ADMIN_PASSWORD);
      for (const r of rows) gw.ctx.logSink.write({ ...r, clientId: r.clientId === 2 ? gw.clientId : null });
      const deadline = Date.now() + 15_000;
      while (Number((await gw.ctx.store.all<{ n: number }>('SELECT count(*) AS n FROM request_logs'))[0]!.n) < rows.length) {
        if (Date.now() > deadline) throw new Error('rows not written');
        await Bun.sleep(25);
      }
    }, 60_000);
    afterAll(async () => {
      await gw?.close();
      await done?.();
    });

    /** What the rows in [from, to) add up to. */
    const sums = (from: number, to: number) => {
      const rs = rows.filter((r) => r.createdAt >= from && r.createdAt < to);
      return {
        requests: rs.length, errors: rs.filter((r) => r.status >= 400).length,
        promptTokens: rs.reduce((s, r) => s + r.promptTokens, 0), completionTokens: rs.reduce((s, r) => s + r.completionTokens, 0),
        costUsd: rs.reduce((s, r) => s + r.costUsd, 0),
      };
    };

    /** The Usage page's chart series for a range (its buckets and their figures). */
    const chartOf = async (range: string) => {
      const r = await api(gw, 'GET', `/?range=${range}`, { as: admin });
      expect(r.status).toBe(200);
      const html = await r.text();
      const attr = /data-series="([^"]*)"/.exec(html)![1]!;
      const decoded = attr.replace(/&(#(\d+)|#x([0-9a-f]+)|quot|amp|lt|gt|apos);/gi, (m, _e, dec, hex) =>
        dec ? String.fromCharCode(Number(dec)) : hex ? String.fromCharCode(parseInt(hex, 16)) : ({ '&quot;': '"', '&amp;': '&', '&lt;': '<', '&gt;': '>', '&apos;': "'" } as Record<string, string>)[m]!);
      return JSON.parse(decoded);
    };

    const checkPage = async () => {
      for (const range of ['24h', '7d', '30d', '90d']) {
        const { bucket, labels, requests, errors, promptTokens, completionTokens, cost } = await chartOf(range);
        const size = bucket === 'hour' ? H : D;
        const got = labels.map((t: number, i: number) => ({ range, t, requests: requests[i], errors: errors[i], promptTokens: promptTokens[i], completionTokens: completionTokens[i] }));
        const want = labels.map((t: number) => {
          const { costUsd: _c, ...s } = sums(t, t + size);
          return { range, t, ...s };
        });
        expect(got).toEqual(want);
        labels.forEach((t: number, i: number) => expect(cost[i]).toBeCloseTo(sums(t, t + size).costUsd, 9));
        // The buckets cover the range: from its first bucket's start to now, every row in it counted.
        // The page's "now" is its own, between the rows' `now` and this check (an hour may turn in between).
        const pageNow = Date.now();
        expect([rangeBounds(parseRange(range), now).from, rangeBounds(parseRange(range), pageNow).from]).toContain(labels[0]);
        expect(requests.reduce((a: number, b: number) => a + b, 0)).toBe(sums(labels[0], pageNow + 1).requests);
      }
    };

    const checkApi = async () => {
      const from = D0 - 89 * D;
      const daily = await json(await api(gw, 'GET', `/api/usage/timeseries?bucket=day&from=${from}&to=${D0 + D}`, { as: admin }));
      expect(daily.data).toHaveLength(90);
      for (const p of daily.data) {
        const s = sums(p.t, p.t + D);
        expect({ t: p.t, requests: p.requests, errors: p.errors, prompt: p.prompt_tokens }).toEqual({ t: p.t, requests: s.requests, errors: s.errors, prompt: s.promptTokens });
        expect(p.cost_usd).toBeCloseTo(s.costUsd, 9);
      }
      const hourly = await json(await api(gw, 'GET', `/api/usage/timeseries?bucket=hour&from=${D0 - D}&to=${H0 + H}`, { as: admin }));
      for (const p of hourly.data) expect({ t: p.t, requests: p.requests }).toEqual({ t: p.t, requests: sums(p.t, p.t + H).requests });
      const all = await json(await api(gw, 'GET', '/api/usage/summary', { as: admin }));
      expect(all.requests).toBe(rows.length);
      expect(all.cost_usd).toBeCloseTo(sums(0, Infinity).costUsd, 9);
      const byClient = (await json(await api(gw, 'GET', '/api/usage/breakdown?by=client', { as: admin }))).data;
      expect(byClient.find((c: any) => c.key === gw.clientId).requests).toBe(rows.filter((r) => r.clientId === 2).length);
      expect(byClient.find((c: any) => c.key === null).requests).toBe(rows.filter((r) => r.clientId === 1).length);
    };

    test('every range and bucket of the Usage page and the API holds the rows of its UTC hours and days, edges included', async () => {
      await checkPage();
      await checkApi();
    });

    test('after raw-row retention deleted the rows older than 30 days, the figures are the same', async () => {
      // What the retention pass deletes (its own tests: test/logging/retention.test.ts, rollups.test.ts).
      const cutoff = now - 30 * D;
      await gw.ctx.store.all('DELETE FROM request_logs WHERE created_at < ?', [cutoff]);
      const left = Number((await gw.ctx.store.all<{ n: number }>('SELECT count(*) AS n FROM request_logs'))[0]!.n);
      expect(left).toBe(rows.filter((r) => r.createdAt >= cutoff).length);
      expect(left).toBeLessThan(rows.length);
      await checkPage();
      await checkApi();
    });
  });
}

scenario('on SQLite', async () => ({ env: {} }));

let pgDb: TestDatabase | undefined;
scenario('on PostgreSQL', async () => {
  pgDb = await createTestDatabase();
  return { env: { LLM_PROXY__DATABASE__URL: pgDb.url }, done: () => pgDb!.drop() };
});
