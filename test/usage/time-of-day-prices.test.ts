/**
 * Time-of-day prices (DeepSeek's peak and off-peak hours): the pure price-at-time function at its
 * UTC boundaries (start inclusive, end exclusive, a window over midnight), what the seed makes of
 * genai-prices' time_of_date entries, and a cross-check of the seeded rows against genai-prices' own
 * calcPrice at every minute of a day.
 */
import { describe, expect, test } from 'bun:test';
import { calcPrice } from '@pydantic/genai-prices';
import type { ModelPrices, TimeOfDayPrice } from '../../src/state/snapshot-types';
import { computeCost } from '../../src/usage/cost';
import { minuteOfDay, pricesAt, storedTimeOfDay, timeOfDayOf, windowAt } from '../../src/usage/time-of-day-prices';
import { seedModelRows, timeOfDayWindows } from '../../src/db/seed/model-prices';

const at = (h: number, m: number, s = 0, ms = 0) => Date.UTC(2026, 11, 3, h, m, s, ms);

// deepseek-chat as seeded: flat 0.27 / 0.07 / 1.1, off-peak 16:30-00:30 UTC (over midnight).
const night: TimeOfDayPrice = { start: 16 * 60 + 30, end: 30, input: 0.135, cachedInput: 0.035, cacheWrite: null, output: 0.55 };
const v3: ModelPrices = { input: 0.27, cachedInput: 0.07, output: 1.1, reasoning: null, image: null, timeOfDay: [night] };
// deepseek-v4-flash as seeded: flat 0.22 / 0.007 / 0.66, peaks 01:00-04:00 and 06:00-10:00 UTC.
const peak = (start: number, end: number): TimeOfDayPrice => ({ start: start * 60, end: end * 60, input: 0.44, cachedInput: 0.014, cacheWrite: null, output: 1.32 });
const v4: ModelPrices = { input: 0.22, cachedInput: 0.007, output: 0.66, reasoning: null, image: null, timeOfDay: [peak(1, 4), peak(6, 10)] };

describe('pricesAt / windowAt', () => {
  test('a window holds from its start (inclusive) to its end (exclusive), to the millisecond', () => {
    expect(pricesAt(v4, at(0, 59, 59, 999)).input).toBe(0.22);
    expect(pricesAt(v4, at(1, 0)).input).toBe(0.44);
    expect(pricesAt(v4, at(3, 59, 59, 999)).input).toBe(0.44);
    expect(pricesAt(v4, at(4, 0)).input).toBe(0.22);
    expect(pricesAt(v4, at(5, 59, 59, 999)).output).toBe(0.66);
    expect(pricesAt(v4, at(6, 0)).output).toBe(1.32);
    expect(pricesAt(v4, at(9, 59)).cachedInput).toBe(0.014);
    expect(pricesAt(v4, at(10, 0)).cachedInput).toBe(0.007);
    expect(pricesAt(v4, at(23, 59, 59, 999)).input).toBe(0.22);
  });

  test('a window crossing midnight holds on both sides of it, and not past its end', () => {
    expect(pricesAt(v3, at(16, 29, 59, 999)).input).toBe(0.27);
    expect(pricesAt(v3, at(16, 30)).input).toBe(0.135);
    expect(pricesAt(v3, at(23, 59, 59, 999)).input).toBe(0.135);
    expect(pricesAt(v3, at(0, 0)).input).toBe(0.135);
    expect(pricesAt(v3, at(0, 29, 59, 999)).output).toBe(0.55);
    expect(pricesAt(v3, at(0, 30)).output).toBe(1.1);
    expect(pricesAt(v3, at(12, 0)).output).toBe(1.1);
  });

  test('the hour is UTC on any date, before 1970 too', () => {
    expect(minuteOfDay(Date.UTC(1969, 6, 20, 20, 17))).toBe(20 * 60 + 17);
    expect(pricesAt(v3, Date.UTC(1969, 6, 20, 20, 17)).input).toBe(0.135);
    expect(pricesAt(v4, Date.UTC(2031, 1, 28, 2, 0)).input).toBe(0.44);
  });

  test('outside every window the flat prices are the same object; inside, only the token prices change', () => {
    expect(pricesAt(v4, at(12, 0))).toBe(v4);
    const rich: ModelPrices = { ...v4, reasoning: 5, image: 0.04, flexMultiplier: 0.5, longContext: { threshold: 1000, input: 9, cachedInput: null, cacheWrite: null, output: null, reasoning: null } };
    const p = pricesAt(rich, at(2, 0));
    expect(p).toMatchObject({ input: 0.44, cachedInput: 0.014, cacheWrite: null, output: 1.32, reasoning: 5, image: 0.04, flexMultiplier: 0.5 });
    expect(p.longContext?.input).toBe(9);
  });

  test('no windows, or an empty list: always the flat prices', () => {
    const flat: ModelPrices = { input: 1, cachedInput: null, output: 2, reasoning: null, image: null };
    expect(pricesAt(flat, at(2, 0))).toBe(flat);
    expect(windowAt([], at(2, 0))).toBeNull();
    expect(windowAt(null, at(2, 0))).toBeNull();
  });

  test('overlapping windows: the last listed one wins (genai-prices reads its list so)', () => {
    const wide: TimeOfDayPrice = { start: 0, end: 12 * 60, input: 1, cachedInput: null, cacheWrite: null, output: 1 };
    const narrow: TimeOfDayPrice = { start: 2 * 60, end: 3 * 60, input: 2, cachedInput: null, cacheWrite: null, output: 2 };
    expect(windowAt([wide, narrow], at(2, 30))).toBe(narrow);
    expect(windowAt([narrow, wide], at(2, 30))).toBe(wide);
    expect(windowAt([wide, narrow], at(1, 0))).toBe(wide);
  });

  test('a cost is the window’s inside it: twice the flat one at V4’s peak, half at V3’s night', () => {
    const usage = { input: 1_000_000, cachedInput: 400_000, output: 500_000, reasoning: 0 };
    const flat = computeCost(usage, pricesAt(v4, at(12, 0)));
    expect(flat).toBeCloseTo((600_000 * 0.22 + 400_000 * 0.007 + 500_000 * 0.66) / 1e6, 12);
    expect(computeCost(usage, pricesAt(v4, at(2, 0)))).toBeCloseTo(2 * flat, 12);
    expect(computeCost(usage, pricesAt(v3, at(20, 0)))).toBeCloseTo(computeCost(usage, v3) / 2, 12);
  });
});

describe('stored windows', () => {
  test('read back as written; malformed entries are left out', () => {
    const stored = storedTimeOfDay([night, peak(1, 4)]);
    expect(stored).toEqual([
      { start: '16:30', end: '00:30', input_price: 0.135, cached_input_price: 0.035, cache_write_price: null, output_price: 0.55 },
      { start: '01:00', end: '04:00', input_price: 0.44, cached_input_price: 0.014, cache_write_price: null, output_price: 1.32 },
    ]);
    expect(timeOfDayOf(JSON.parse(JSON.stringify(stored)))).toEqual([night, peak(1, 4)]);
    const bad = [
      { start: '24:00', end: '01:00', input_price: 1, output_price: 1 },
      { start: '1:00', end: '02:00', input_price: 1, output_price: 1 },
      { start: '05:00', end: '05:00', input_price: 1, output_price: 1 },
      { start: '05:00', end: '06:00', input_price: -1, output_price: 1 },
      { start: '05:00', end: '06:00', input_price: 1 },
      null,
    ];
    expect(timeOfDayOf(bad)).toBeNull();
    expect(timeOfDayOf([...bad, stored[1]])).toEqual([peak(1, 4)]);
    expect(timeOfDayOf(null)).toBeNull();
    expect(timeOfDayOf('[]')).toBeNull();
  });
});

describe('seeded from genai-prices', () => {
  const offPeak = { input_mtok: 0.135, cache_read_mtok: 0.035, output_mtok: 0.55 };
  const standard = { input_mtok: 0.27, cache_read_mtok: 0.07, output_mtok: 1.1 };

  test('V3 style: the unconstrained price at night becomes one window over midnight against the day’s price', () => {
    const info = { prices: [{ prices: offPeak }, { constraint: { type: 'time_of_date' as const, start_time: '00:30:00Z', end_time: '16:30:00Z' }, prices: standard }] };
    expect(timeOfDayWindows('m', info, standard, 0)).toEqual([
      { start: '16:30', end: '00:30', input_price: 0.135, cached_input_price: 0.035, cache_write_price: null, output_price: 0.55 },
    ]);
  });

  test('a time with an offset is read in UTC; a boundary off the whole minute stops the seed', () => {
    const info = { prices: [{ prices: standard }, { constraint: { type: 'time_of_date' as const, start_time: '09:00:00+08:00', end_time: '12:00:00+08:00' }, prices: offPeak }] };
    expect(timeOfDayWindows('m', info, standard, 0).map((w) => [w.start, w.end])).toEqual([['01:00', '04:00']]);
    const odd = { prices: [{ prices: standard }, { constraint: { type: 'time_of_date' as const, start_time: '09:00:30Z', end_time: '12:00:00Z' }, prices: offPeak }] };
    expect(() => timeOfDayWindows('m', odd, standard, 0)).toThrow(/whole UTC minutes/);
  });

  test('a model without time-of-day prices has none', () => {
    expect(timeOfDayWindows('m', { prices: standard }, standard, 0)).toEqual([]);
    const rows = seedModelRows(Date.UTC(2026, 11, 1));
    expect(rows.filter((r) => r.timeOfDayPrices).map((r) => r.id).sort()).toEqual(['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro']);
  });

  // The seeded flat price plus its windows bills what genai-prices' calcPrice bills, minute by minute.
  for (const now of [Date.UTC(2026, 11, 1), Date.UTC(2026, 0, 1)]) {
    test(`seeded DeepSeek rows price every minute of ${new Date(now).toISOString().slice(0, 10)} as genai-prices does`, () => {
      const usage = { input: 3_000_000, cachedInput: 1_000_000, output: 2_000_000, reasoning: 0 };
      for (const row of seedModelRows(now).filter((r) => r.timeOfDayPrices)) {
        const prices: ModelPrices = {
          input: row.inputPrice!, cachedInput: row.cachedInputPrice ?? null, output: row.outputPrice!, reasoning: null, image: null,
          cacheWrite: row.cacheWritePrice ?? null, timeOfDay: timeOfDayOf(row.timeOfDayPrices),
        };
        const day = now - (now % 86_400_000);
        for (let m = 0; m < 1440; m++) {
          const t = day + m * 60_000;
          const theirs = calcPrice({ input_tokens: 3_000_000, cache_read_tokens: 1_000_000, output_tokens: 2_000_000 }, row.id!, { providerId: 'deepseek', timestamp: new Date(t) });
          const ours = computeCost(usage, pricesAt(prices, t));
          if (Math.abs(ours - theirs!.total_price) > 1e-9) throw new Error(`${row.id} at minute ${m}: ours ${ours}, genai-prices ${theirs!.total_price}`);
        }
      }
    });
  }
});
