/**
 * Time-of-day prices (DeepSeek's peak and off-peak hours): the pure price-at-time function at its
 * UTC boundaries (start inclusive, end exclusive, a window over midnight, on some weekdays only), what the seed makes of
 * genai-prices' time_of_date entries, and a cross-check of the seeded rows against genai-prices' own
 * calcPrice at every minute of a day.
 */
import { describe, expect, test } from 'bun:test';
import { calcPrice } from '@pydantic/genai-prices';
import type { ModelPrices, TimeOfDayPrice } from '../../src/usage/price-types';
import { computeCost } from '../../src/usage/cost';
import { daysLabel, minuteOfDay, pricesAt, storedTimeOfDay, timeOfDayOf, weekdayOf, windowAt } from '../../src/usage/time-of-day-prices';
import { timeOfDayWindows, weekdayOnlyWindows } from '../../src/db/seed/conditional-prices';
import { seedModelRows } from '../../src/db/seed/model-prices';

const at = (h: number, m: number, s = 0, ms = 0) => Date.UTC(2026, 11, 3, h, m, s, ms);

// deepseek-chat as seeded: flat 0.27 / 0.07 / 1.1, off-peak 16:30-00:30 UTC (over midnight).
const night: TimeOfDayPrice = { start: 16 * 60 + 30, end: 30, input: 0.135, cachedInput: 0.035, cacheWrite: null, output: 0.55 };
const v3: ModelPrices = { input: 0.27, cachedInput: 0.07, output: 1.1, reasoning: null, image: null, timeOfDay: [night] };
// deepseek-v4-flash as seeded: flat 0.22 / 0.007 / 0.66, peaks 01:00-04:00 and 06:00-10:00 UTC.
const peak = (start: number, end: number): TimeOfDayPrice => ({ start: start * 60, end: end * 60, input: 0.44, cachedInput: 0.014, cacheWrite: null, output: 1.32 });
const v4: ModelPrices = { input: 0.22, cachedInput: 0.007, output: 0.66, reasoning: null, image: null, timeOfDay: [peak(1, 4), peak(6, 10)] };
/** UTC weekdays as getUTCDay() numbers: Monday to Friday. */
const MON_FRI = [1, 2, 3, 4, 5];
// deepseek-v4-flash as seeded now: its peaks Monday to Friday only (DeepSeek bills weekends off-peak).
const v4Weekdays: ModelPrices = { ...v4, timeOfDay: [{ ...peak(1, 4), days: MON_FRI }, { ...peak(6, 10), days: MON_FRI }] };
/** A day of the week of 2026-12 at a UTC time (2026-12-04 a Friday, -05 a Saturday, -06 a Sunday, -07 a Monday). */
const on = (day: number, h: number, m: number, s = 0, ms = 0) => Date.UTC(2026, 11, day, h, m, s, ms);
const [FRI, SAT, SUN, MON] = [4, 5, 6, 7];

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

  test('V4’s weekday peaks: Friday and Monday at the peak price, Saturday and Sunday at the flat one all day', () => {
    expect([FRI, SAT, SUN, MON].map((d) => weekdayOf(on(d, 12, 0)))).toEqual([5, 6, 0, 1]);
    for (const [h, m] of [[1, 0], [2, 0], [3, 59], [6, 0], [9, 59]] as const) {
      expect(pricesAt(v4Weekdays, on(FRI, h, m)).input).toBe(0.44);
      expect(pricesAt(v4Weekdays, on(MON, h, m)).output).toBe(1.32);
      expect(pricesAt(v4Weekdays, on(SAT, h, m))).toBe(v4Weekdays);
      expect(pricesAt(v4Weekdays, on(SUN, h, m))).toBe(v4Weekdays);
    }
    // The weekday is UTC's, to the millisecond at both ends of the weekend.
    expect(pricesAt(v4Weekdays, on(FRI, 9, 59, 59, 999)).input).toBe(0.44);
    expect(pricesAt(v4Weekdays, on(MON, 1, 0)).input).toBe(0.44);
    expect(pricesAt(v4Weekdays, on(MON, 0, 59, 59, 999)).input).toBe(0.22);
    // Without days, the same windows hold every day, weekends too.
    expect(pricesAt(v4, on(SAT, 2, 0)).input).toBe(0.44);
    expect(pricesAt(v4, on(SUN, 7, 0)).input).toBe(0.44);
  });

  test('a window over midnight with days holds on the days it began: into the next morning, not the same day’s', () => {
    // Friday and Saturday nights only, 22:00-02:00 UTC.
    const late: TimeOfDayPrice = { start: 22 * 60, end: 2 * 60, input: 9, cachedInput: null, cacheWrite: null, output: 9, days: [5, 6] };
    const prices: ModelPrices = { input: 1, cachedInput: null, output: 1, reasoning: null, image: null, timeOfDay: [late] };
    expect(pricesAt(prices, on(FRI, 1, 0)).input).toBe(1); // began Thursday night
    expect(pricesAt(prices, on(FRI, 21, 59, 59, 999)).input).toBe(1);
    expect(pricesAt(prices, on(FRI, 22, 0)).input).toBe(9);
    expect(pricesAt(prices, on(SAT, 1, 59, 59, 999)).input).toBe(9); // began Friday
    expect(pricesAt(prices, on(SAT, 2, 0)).input).toBe(1);
    expect(pricesAt(prices, on(SAT, 23, 0)).input).toBe(9);
    expect(pricesAt(prices, on(SUN, 0, 30)).input).toBe(9); // began Saturday
    expect(pricesAt(prices, on(SUN, 22, 0)).input).toBe(1);
    expect(pricesAt(prices, on(MON, 0, 30)).input).toBe(1); // began Sunday
    // The weekday before a Sunday is a Saturday across the week's wrap (0 -> 6).
    const sundayNight: TimeOfDayPrice = { ...late, days: [0] };
    expect(windowAt([sundayNight], on(MON, 1, 0))).toBe(sundayNight);
    expect(windowAt([sundayNight], on(SUN, 1, 0))).toBeNull();
  });

  test('the hour is UTC on any date, before 1970 too', () => {
    expect(minuteOfDay(Date.UTC(1969, 6, 20, 20, 17))).toBe(20 * 60 + 17);
    expect(pricesAt(v3, Date.UTC(1969, 6, 20, 20, 17)).input).toBe(0.135);
    expect(pricesAt(v4, Date.UTC(2031, 1, 28, 2, 0)).input).toBe(0.44);
    // 1969-07-20 was a Sunday, 1970-01-01 a Thursday.
    expect(weekdayOf(Date.UTC(1969, 6, 20, 20, 17))).toBe(0);
    expect(weekdayOf(Date.UTC(1970, 0, 1))).toBe(4);
    expect(weekdayOf(Date.UTC(1969, 11, 31, 23, 59, 59, 999))).toBe(3);
    expect(pricesAt(v4Weekdays, Date.UTC(1969, 6, 20, 2, 0)).input).toBe(0.22);
    expect(pricesAt(v4Weekdays, Date.UTC(1969, 6, 21, 2, 0)).input).toBe(0.44);
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

  test('days: stored as UTC weekday names Monday first, read back as getUTCDay() numbers; absent or null, every day', () => {
    const weekday = { ...peak(1, 4), days: MON_FRI };
    const stored = storedTimeOfDay([weekday, { ...night, days: [0, 6] }]);
    expect(stored[0]!.days).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
    expect(stored[1]!.days).toEqual(['sat', 'sun']);
    expect(timeOfDayOf(JSON.parse(JSON.stringify(stored)))).toEqual([weekday, { ...night, days: [0, 6] }]);
    const base = storedTimeOfDay([peak(1, 4)])[0]!;
    expect('days' in base).toBe(false);
    expect(timeOfDayOf([{ ...base, days: null }])).toEqual([peak(1, 4)]);
    // Every day named is every day; duplicates and order do not matter.
    expect(timeOfDayOf([{ ...base, days: ['sun', 'sat', 'fri', 'thu', 'wed', 'tue', 'mon'] }])).toEqual([peak(1, 4)]);
    expect(timeOfDayOf([{ ...base, days: ['fri', 'mon', 'fri'] }])).toEqual([{ ...peak(1, 4), days: [1, 5] }]);
    // A malformed set leaves the window out, as any malformed entry.
    for (const days of [[], ['saturday'], ['Mon'], [1], 'mon', {}]) expect(timeOfDayOf([{ ...base, days }])).toBeNull();
  });

  test('days as the Models page reads them', () => {
    expect(daysLabel(['mon', 'tue', 'wed', 'thu', 'fri'])).toBe('Mon–Fri');
    expect(daysLabel(['sun', 'sat'])).toBe('Sat, Sun');
    expect(daysLabel(['fri', 'wed', 'mon', 'thu'])).toBe('Mon, Wed–Fri');
    expect(daysLabel(['sun'])).toBe('Sun');
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

  test('the seed gives V4’s peaks Monday to Friday, V3’s night every day; a V4 window off one Beijing day stops the seed', () => {
    const rows = Object.fromEntries(seedModelRows(Date.UTC(2026, 11, 1)).map((r) => [r.id, r.timeOfDayPrices]));
    for (const id of ['deepseek-v4-flash', 'deepseek-v4-pro']) {
      expect(rows[id]!.map((w) => [w.start, w.end, w.days])).toEqual([
        ['01:00', '04:00', ['mon', 'tue', 'wed', 'thu', 'fri']],
        ['06:00', '10:00', ['mon', 'tue', 'wed', 'thu', 'fri']],
      ]);
    }
    for (const id of ['deepseek-chat', 'deepseek-reasoner']) expect(rows[id]!.every((w) => w.days === undefined)).toBe(true);
    const w = storedTimeOfDay([peak(15, 17)]);
    expect(weekdayOnlyWindows('openrouter', 'deepseek-v4-flash', w)).toBe(w);
    expect(() => weekdayOnlyWindows('deepseek', 'deepseek-v4-flash', w)).toThrow(/one Beijing day/);
    expect(() => weekdayOnlyWindows('deepseek', 'deepseek-v4-pro', storedTimeOfDay([night]))).toThrow(/one Beijing day/);
    expect(weekdayOnlyWindows('deepseek', 'deepseek-v4-pro', storedTimeOfDay([peak(8, 16)]))[0]!.days).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
  });

  // The seeded flat price plus its windows bills what genai-prices' calcPrice bills, minute by minute
  // (on weekdays: 2026-12-01 a Tuesday, 2026-01-01 a Thursday; at weekends see the next test).
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

  // genai-prices bills V4's peaks at weekends too (an upper bound, by its own note); the seeded rows
  // bill a weekend at the flat price all day, and a weekday's exactly as genai-prices does.
  test('on a Saturday and a Sunday the seeded V4 rows bill the off-peak price all day, below genai-prices’ upper bound in its peaks', () => {
    const usage = { input: 3_000_000, cachedInput: 1_000_000, output: 2_000_000, reasoning: 0 };
    for (const row of seedModelRows(Date.UTC(2026, 11, 1)).filter((r) => r.id!.startsWith('deepseek-v4'))) {
      const prices: ModelPrices = {
        input: row.inputPrice!, cachedInput: row.cachedInputPrice ?? null, output: row.outputPrice!, reasoning: null, image: null,
        cacheWrite: row.cacheWritePrice ?? null, timeOfDay: timeOfDayOf(row.timeOfDayPrices),
      };
      const flatCost = computeCost(usage, prices);
      let above = 0;
      for (const day of [on(SAT, 0, 0), on(SUN, 0, 0)]) {
        for (let m = 0; m < 1440; m++) {
          const t = day + m * 60_000;
          const theirs = calcPrice({ input_tokens: 3_000_000, cache_read_tokens: 1_000_000, output_tokens: 2_000_000 }, row.id!, { providerId: 'deepseek', timestamp: new Date(t) })!.total_price;
          const ours = computeCost(usage, pricesAt(prices, t));
          if (Math.abs(ours - flatCost) > 1e-9) throw new Error(`${row.id} at minute ${m} of a weekend: ${ours}, not the flat ${flatCost}`);
          if (theirs > ours + 1e-9) above++;
        }
      }
      // Their peaks, 7 hours a day, are where they bill more: twice ours.
      expect(above).toBe(2 * 7 * 60);
    }
  });
});
