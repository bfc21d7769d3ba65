import type { ConditionalPrice, ModelInfo, ModelPrice } from '@pydantic/genai-prices';
import type { TimeOfDayPrice } from '../../usage/price-types';
import { parseHhMm, storedTimeOfDay, type TimeOfDayWindow, type WeekdayName } from '../../usage/time-of-day-prices';

/**
 * genai-prices' conditional prices read for the seed (db/seed/model-prices.ts): the price in force
 * on a date (start_date), the one flat price a row keeps, and time-of-day prices as the daily UTC
 * windows of models.time_of_day_prices (DeepSeek's peaks Monday to Friday).
 */

/** A tiered price (e.g. Gemini 2.5 Pro above 200k prompt tokens) seeds its base here, its tier in longContextTier. */
export function flat(v: ModelPrice[string]): number | undefined {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && typeof (v as { base?: unknown }).base === 'number') return (v as { base: number }).base;
  return undefined;
}

/**
 * Seconds after 00:00 UTC of a genai-prices time of day (`HH:MM:SS[.f](Z|+HH:MM|-HH:MM)`), as
 * genai-prices reads it; null when malformed.
 */
function secondsOfDay(t: string): number | null {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(t);
  if (!m) return null;
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4] ?? ''}`);
  const offset = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (Number(m[7]) * 60 + Number(m[8])) * 60;
  return (((local - offset) % 86_400) + 86_400) % 86_400;
}

function minutes(hms: string): number {
  return Math.floor((secondsOfDay(hms) ?? 0) / 60);
}

export function resolveSourcePrice(info: Pick<ModelInfo, 'prices'>, now: number): ModelPrice {
  if (!Array.isArray(info.prices)) return info.prices;
  let base: ModelPrice | undefined;
  const windows: { prices: ModelPrice; minutes: number }[] = [];
  for (const c of info.prices) {
    if (!c.constraint) base = c.prices;
    else if (c.constraint.type === 'start_date' && Date.parse(c.constraint.start_date) <= now) base = c.prices;
    else if (c.constraint.type === 'time_of_date') {
      const span = (minutes(c.constraint.end_time) - minutes(c.constraint.start_time) + 1440) % 1440;
      const same = windows.find((w) => JSON.stringify(w.prices) === JSON.stringify(c.prices));
      if (same) same.minutes += span;
      else windows.push({ prices: c.prices, minutes: span });
    }
  }
  const windowed = windows.reduce((a, w) => a + w.minutes, 0);
  const widest = windows.sort((a, b) => b.minutes - a.minutes)[0];
  if (widest && (!base || widest.minutes > 1440 - windowed)) return widest.prices;
  return base ?? info.prices[0]!.prices;
}

/** genai-prices' price of one conditional list at minute `minute` of the day on `now`'s date (its own rule: the last entry that applies wins). */
function priceAtMinute(prices: ConditionalPrices, now: number, minute: number): ModelPrice {
  for (let i = prices.length - 1; i >= 0; i--) {
    const c = prices[i]!.constraint;
    if (!c) return prices[i]!.prices;
    if (c.type === 'start_date' && Date.parse(c.start_date) <= now) return prices[i]!.prices;
    if (c.type === 'time_of_date') {
      const [start, end] = [minutes(c.start_time), minutes(c.end_time)];
      if (end < start ? minute >= start || minute < end : minute >= start && minute < end) return prices[i]!.prices;
    }
  }
  return prices[0]!.prices;
}

type ConditionalPrices = ConditionalPrice[];

/** The token prices a window may set (the rest of a window's price set must equal the flat one's). */
const WINDOW_KEYS = ['input_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_mtok'] as const;

/**
 * genai-prices' time-of-day prices as daily windows over the flat price `base` (resolveSourcePrice's):
 * every stretch of the day (a minute at a time, on `now`'s date) whose price differs from the flat
 * one, as one window, a stretch over midnight as one window crossing it. Empty: no time-of-day
 * prices. Shapes the table cannot hold (a boundary off the minute, a window with tiers or other
 * prices of its own) stop the seed, as longContextTier does.
 */
export function timeOfDayWindows(modelId: string, info: Pick<ModelInfo, 'prices'>, base: ModelPrice, now: number): TimeOfDayWindow[] {
  if (!Array.isArray(info.prices)) return [];
  const list = info.prices as ConditionalPrices;
  const timed = list.flatMap((c) => (c.constraint?.type === 'time_of_date' ? [c.constraint] : []));
  if (!timed.length) return [];
  for (const c of timed) {
    const [a, b] = [secondsOfDay(c.start_time), secondsOfDay(c.end_time)];
    if (a === null || b === null || a % 60 || b % 60) throw new Error(`seed: ${modelId}'s time-of-day prices (${c.start_time}-${c.end_time}) are not on whole UTC minutes; price it in FALLBACK in model-prices.ts`);
  }
  const same = (p: ModelPrice, q: ModelPrice) => JSON.stringify(p) === JSON.stringify(q);
  // The price of each minute of the day, then runs of one price other than the flat one.
  const byMinute = Array.from({ length: 1440 }, (_, m) => priceAtMinute(list, now, m));
  const runs: { start: number; end: number; prices: ModelPrice }[] = [];
  for (let m = 0; m < 1440; m++) {
    const p = byMinute[m]!;
    if (same(p, base)) continue;
    const last = runs.at(-1);
    if (last && last.end === m && same(last.prices, p)) last.end = m + 1;
    else runs.push({ start: m, end: m + 1, prices: p });
  }
  // A run up to midnight and one from it, of one price, are one window crossing midnight.
  const [first, last] = [runs[0], runs.at(-1)];
  if (first && last && first !== last && first.start === 0 && last.end === 1440 && same(first.prices, last.prices)) {
    runs.shift();
    last.end = first.end;
  }
  if (runs.length === 1 && runs[0]!.start === 0 && runs[0]!.end === 1440) return [];
  const windows: TimeOfDayPrice[] = runs.map((r) => {
    for (const k of Object.keys(r.prices)) {
      const v = r.prices[k];
      const ours = (WINDOW_KEYS as readonly string[]).includes(k);
      if ((ours && typeof v !== 'number' && v !== undefined) || (!ours && JSON.stringify(v) !== JSON.stringify(base[k]))) {
        throw new Error(`seed: ${modelId}'s time-of-day prices set ${k} in a way the table cannot hold; price it in FALLBACK in model-prices.ts`);
      }
    }
    const input = flat(r.prices.input_mtok);
    const output = flat(r.prices.output_mtok);
    if (input === undefined || output === undefined) throw new Error(`seed: ${modelId}'s time-of-day prices lack an input or output price`);
    return { start: r.start, end: r.end % 1440, input, output, cachedInput: flat(r.prices.cache_read_mtok) ?? null, cacheWrite: flat(r.prices.cache_write_mtok) ?? null };
  });
  return storedTimeOfDay(windows);
}

/**
 * DeepSeek's weekends, which genai-prices' data cannot say (its price_comments on deepseek-v4-flash
 * and deepseek-v4-pro; https://github.com/pydantic/genai-prices/issues/582): "from 2026-08-23
 * DeepSeek bills off-peak all day at weekends (Beijing time), which needs a day-of-week condition,
 * so on Saturdays and Sundays the peak prices here are an upper bound". V4's peaks, 09:00-12:00 and
 * 14:00-18:00 Beijing (UTC+8), are 01:00-04:00 and 06:00-10:00 UTC, the same calendar day in both,
 * so they hold Monday to Friday UTC. By genai-prices' provider and model id (so a dated id it
 * matches to one of these gets it too).
 */
const WEEKDAY_ONLY_WINDOWS: Record<string, readonly string[]> = { deepseek: ['deepseek-v4-flash', 'deepseek-v4-pro'] };
const MONDAY_TO_FRIDAY: readonly WeekdayName[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
/** Beijing is UTC+8 all year: a UTC time of day before 16:00 is on the same calendar day there. */
const BEIJING_DAY_ENDS_UTC = 16 * 60;

/**
 * `windows` (timeOfDayWindows') with WEEKDAY_ONLY_WINDOWS applied: Monday to Friday UTC for those
 * models. A window of theirs that is not on one Beijing calendar day (the weekday would differ)
 * stops the seed, as a shape the table cannot hold does.
 */
export function weekdayOnlyWindows(sourceProvider: string, sourceModelId: string, windows: TimeOfDayWindow[]): TimeOfDayWindow[] {
  if (!WEEKDAY_ONLY_WINDOWS[sourceProvider]?.includes(sourceModelId)) return windows;
  return windows.map((w) => {
    const [start, end] = [parseHhMm(w.start)!, parseHhMm(w.end)!];
    if (!(start < end && end <= BEIJING_DAY_ENDS_UTC)) {
      throw new Error(`seed: ${sourceModelId}'s window ${w.start}-${w.end} UTC is not within one Beijing day; revisit WEEKDAY_ONLY_WINDOWS in db/seed/conditional-prices.ts`);
    }
    return { ...w, days: [...MONDAY_TO_FRIDAY] };
  });
}

