import { sqliteStore, type Store } from '../../src/db/store';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { createLogWriter } from '../../src/logging/log-writer';
import { planRollupReads } from '../../src/logging/rollup-plan';
import { DAY_MS, HOUR_MS } from '../../src/logging/rollup-tables';
import { usageBreakdown, usageSummary, usageTimeseries, type UsageFilter } from '../../src/logging/usage-queries';
import { mixedRecords, RAW_KEY, RAW_SUMS, tempDb } from './log-test-helpers';

const START = Date.UTC(2026, 10, 20, 21, 17, 5);
const SPAN = 12 * DAY_MS;
let t: ReturnType<typeof tempDb>;
let store: Store;

beforeAll(() => {
  t = tempDb();
  store = sqliteStore(t.sqlite, null as never);
  const writer = createLogWriter(t.sqlite);
  const records = mixedRecords(2400, START); // one every 7 min 13 s, ~12 days
  for (let i = 0; i < records.length; i += 97) writer.writeBatch(records.slice(i, i + 97));
});
afterAll(() => t.cleanup());

/** The oracle: the same figures straight from the raw rows, with the rollups' hour rounding. */
function raw(f: UsageFilter, groupBy?: string) {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (f.from !== undefined) where.push('created_at >= ?'), args.push(Math.floor(f.from / HOUR_MS) * HOUR_MS);
  if (f.to !== undefined) where.push('created_at < ?'), args.push(Math.ceil(f.to / HOUR_MS) * HOUR_MS);
  if (f.clientId !== undefined) where.push(`${RAW_KEY.client_id} = ?`), args.push(f.clientId);
  if (f.provider !== undefined) where.push(`${RAW_KEY.provider} = ?`), args.push(f.provider);
  if (f.model !== undefined) where.push(`${RAW_KEY.model} = ?`), args.push(f.model);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  if (!groupBy) return [t.sqlite.query(`SELECT ${RAW_SUMS} FROM request_logs ${w}`).get(...args) as Record<string, number>];
  return t.sqlite.query(`SELECT ${groupBy} AS key, ${RAW_SUMS} FROM request_logs ${w} GROUP BY 1 ORDER BY 1`).all(...args) as Record<string, number>[];
}

const pick = (r: Record<string, any>) => ({
  requests: r.requests ?? 0, errors: r.errors ?? 0, prompt_tokens: r.prompt_tokens ?? 0, cached_tokens: r.cached_tokens ?? 0,
  completion_tokens: r.completion_tokens ?? 0, reasoning_tokens: r.reasoning_tokens ?? 0, cost_usd: Math.round((r.cost_usd ?? 0) * 1e6) / 1e6,
});

// Ranges anywhere from a day before the data to a day after, cut at any millisecond, plus filters
// that pick each rollup family (none, per model, per client, and the full one).
const filterArb = fc.record(
  {
    clientId: fc.constantFrom(0, 1, 2, 3),
    provider: fc.constantFrom('openai', 'grok', ''),
    model: fc.constantFrom('gpt-4o', 'gpt-4o-mini', 'deepseek-chat', 'no-such-model'),
  },
  { requiredKeys: [] },
);
const rangeArb = fc
  .tuple(fc.integer({ min: START - DAY_MS, max: START + SPAN + DAY_MS }), fc.integer({ min: 1, max: 9 * DAY_MS }))
  .map(([from, len]) => ({ from, to: from + len }));
const RUNS = { numRuns: 150, seed: 20261125 };

describe('rollup queries equal a raw-row scan for ranges that cut hours and days', () => {
  test('summary', async () => {
    await fc.assert(fc.asyncProperty(rangeArb, filterArb, async (range, filter) => {
      const f = { ...range, ...filter };
      expect(pick(await usageSummary(store, f))).toEqual(pick(raw(f)[0]!));
    }), RUNS);
  });

  test('breakdown by provider, model and client', async () => {
    const cols = { provider: RAW_KEY.provider, model: RAW_KEY.model, client: RAW_KEY.client_id } as const;
    await fc.assert(fc.asyncProperty(rangeArb, filterArb, fc.constantFrom('provider', 'model', 'client') as fc.Arbitrary<keyof typeof cols>, async (range, filter, by) => {
      const f = { ...range, ...filter };
      const got = (await usageBreakdown(store, by, f, 1000))
        .map((r) => ({ key: r.key ?? (by === 'client' ? 0 : ''), ...pick(r) }))
        .sort((a, b) => String(a.key).localeCompare(String(b.key)));
      const want = raw(f, cols[by])
        .map((r) => ({ key: r.key, ...pick(r) }))
        .sort((a, b) => String(a.key).localeCompare(String(b.key)));
      expect(got).toEqual(want as typeof got);
    }), RUNS);
  });

  test('daily and hourly time series, bucket by bucket', async () => {
    await fc.assert(fc.asyncProperty(rangeArb, filterArb, fc.constantFrom('hour', 'day') as fc.Arbitrary<'hour' | 'day'>, async (range, filter, bucket) => {
      const f = { ...range, ...filter };
      const size = bucket === 'hour' ? HOUR_MS : DAY_MS;
      const got = (await usageTimeseries(store, bucket, f)).filter((p) => p.requests || p.prompt_tokens).map((p) => ({ key: p.t, ...pick(p) }));
      const want = raw(f, `(created_at / ${size}) * ${size}`).map((r) => ({ key: r.key, ...pick(r) }));
      expect(got).toEqual(want as typeof got);
    }), { ...RUNS, numRuns: 80 });
  });

  test('open ranges (all time, only from, only to)', async () => {
    for (const f of [{}, { from: START + 3 * DAY_MS + 5 }, { to: START + 4 * DAY_MS - 7 }, { from: START + 2 * DAY_MS, clientId: 2 }]) {
      expect(pick(await usageSummary(store, f))).toEqual(pick(raw(f)[0]!));
    }
    expect((await usageSummary(store)).requests).toBeGreaterThan(2000);
  });
});

describe('planRollupReads', () => {
  const D = Date.UTC(2026, 0, 10);
  const H = HOUR_MS;
  const plan = (dims: Parameters<typeof planRollupReads>[0], from?: number, to?: number, grain: 'hour' | 'day' = 'day') =>
    planRollupReads(dims, { from, to }, grain).map((r) => [r.table.name, r.from, r.to]);

  test('whole days from the daily table, partial edge days from the hourly one', () => {
    expect(plan([], D - 5 * H + 17, D + 3 * DAY_MS + 2 * H + 1)).toEqual([
      ['usage_model_hourly', D - 5 * H, D],
      ['usage_model_daily', D, D + 3 * DAY_MS],
      ['usage_model_hourly', D + 3 * DAY_MS, D + 3 * DAY_MS + 3 * H],
    ]);
  });
  test('aligned ranges need no hourly reads; a range inside one day needs no daily read', () => {
    expect(plan(['client_id'], D, D + 2 * DAY_MS)).toEqual([['usage_client_daily', D, D + 2 * DAY_MS]]);
    expect(plan(['client_id'], D + H, D + 20 * H)).toEqual([['usage_client_hourly', D + H, D + 20 * H]]);
    // crosses midnight but holds no whole day
    expect(plan([], D - 2 * H, D + 2 * H)).toEqual([['usage_model_hourly', D - 2 * H, D + 2 * H]]);
  });
  test('open bounds', () => {
    expect(plan([])).toEqual([['usage_model_daily', undefined, undefined]]);
    expect(plan([], D + H)).toEqual([['usage_model_hourly', D + H, D + DAY_MS], ['usage_model_daily', D + DAY_MS, undefined]]);
    expect(plan([], undefined, D + H)).toEqual([['usage_model_daily', undefined, D], ['usage_model_hourly', D, D + H]]);
  });
  test('hour grain reads hours only', () => {
    expect(plan([], D, D + 2 * DAY_MS, 'hour')).toEqual([['usage_model_hourly', D, D + 2 * DAY_MS]]);
  });
  test('the narrowest table that holds every dim', () => {
    expect(plan(['provider'], D, D + DAY_MS)[0]![0]).toBe('usage_model_daily');
    expect(plan(['provider', 'model'], D, D + DAY_MS)[0]![0]).toBe('usage_model_daily');
    expect(plan(['client_id'], D, D + DAY_MS)[0]![0]).toBe('usage_client_daily');
    expect(plan(['client_id', 'provider'], D, D + DAY_MS)[0]![0]).toBe('usage_daily');
    expect(plan(['model', 'client_id'], D, D + DAY_MS, 'hour')[0]![0]).toBe('usage_hourly');
  });
});
