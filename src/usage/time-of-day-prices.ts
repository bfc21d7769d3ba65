import type { ModelPrices, TimeOfDayPrice } from './price-types';

/**
 * Time-of-day prices: DeepSeek bills by the hour a request is made (V3's half-price night
 * 16:30-00:30 UTC; V4's double-price peaks 01:00-04:00 and 06:00-10:00 UTC). The models table
 * keeps a row's flat prices plus the daily windows where other prices apply
 * (`time_of_day_prices`, JSON in the stored shape below), each on every day or only on some UTC
 * weekdays (V4's peaks: Monday to Friday, as DeepSeek bills weekends off-peak); a request is
 * priced at the window in force when it STARTED (its row's created_at), whenever it ends, as
 * DeepSeek does.
 */

/** UTC weekdays as stored, in getUTCDay() order (0: Sunday). */
export const WEEKDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

/** One window as stored in models.time_of_day_prices and shown by GET /api/models (USD per 1M tokens). */
export interface TimeOfDayWindow {
  /** UTC `HH:MM`, inclusive. */
  start: string;
  /** UTC `HH:MM`, exclusive; before `start`: the window crosses midnight. */
  end: string;
  input_price: number;
  cached_input_price: number | null;
  cache_write_price: number | null;
  output_price: number;
  /**
   * The UTC weekdays the window holds on, Monday first; absent: every day. A window crossing
   * midnight holds on the days it BEGINS on (a Friday-only 22:00-02:00 holds into Saturday 02:00).
   */
  days?: WeekdayName[];
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DAY_MINUTES = 1440;
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after 00:00 UTC of an epoch-ms instant (0-1439). */
export function minuteOfDay(at: number): number {
  return ((Math.floor(at / MINUTE_MS) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
}

/** The UTC weekday of an epoch-ms instant, as getUTCDay() (0: Sunday; 1970-01-01 was a Thursday). */
export function weekdayOf(at: number): number {
  return (((Math.floor(at / DAY_MS) + 4) % 7) + 7) % 7;
}

/** `HH:MM` -> minutes after midnight; null when it is not one. */
export function parseHhMm(s: unknown): number | null {
  const m = typeof s === 'string' ? HH_MM.exec(s) : null;
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Minutes after midnight -> `HH:MM`. */
function formatHhMm(minutes: number): string {
  const m = ((minutes % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/**
 * Is `minute` of a day whose UTC weekday is `weekday` inside [start, end) on one of the window's
 * days? A window crossing midnight (end < start) holds after midnight on the day after one of its
 * days: the day it began.
 */
function inWindow(w: Pick<TimeOfDayPrice, 'start' | 'end' | 'days'>, minute: number, weekday: number): boolean {
  const crossed = w.end < w.start && minute < w.end;
  const inside = w.end < w.start ? minute >= w.start || crossed : minute >= w.start && minute < w.end;
  return inside && (!w.days || w.days.includes(crossed ? (weekday + 6) % 7 : weekday));
}

/** The window in force at `at` (epoch ms; the last listed one that holds it, as genai-prices reads its list), or null. */
export function windowAt(windows: readonly TimeOfDayPrice[] | null | undefined, at: number): TimeOfDayPrice | null {
  if (!windows?.length) return null;
  const minute = minuteOfDay(at);
  const weekday = weekdayOf(at);
  for (let i = windows.length - 1; i >= 0; i--) if (inWindow(windows[i]!, minute, weekday)) return windows[i]!;
  return null;
}

/** Stored weekday names -> getUTCDay() numbers, in week order from Sunday; null when not a non-empty list of them. */
function parseDays(v: unknown): number[] | null {
  if (!Array.isArray(v) || !v.length) return null;
  const days = v.map((d) => WEEKDAY_NAMES.indexOf(d as WeekdayName));
  return days.includes(-1) ? null : [...new Set(days)].sort((a, b) => a - b);
}

/** getUTCDay() numbers -> stored names, Monday first (a week as DeepSeek and ISO count it). */
function storedDays(days: readonly number[]): WeekdayName[] {
  return [...days].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7)).map((d) => WEEKDAY_NAMES[d]!);
}

/** Stored weekday names as read on the Models page: `Mon–Fri`, `Sat, Sun`, `Mon, Wed–Fri`. */
export function daysLabel(days: readonly WeekdayName[]): string {
  // Monday first: 0 Monday ... 6 Sunday.
  const week = [...new Set(days.map((d) => (WEEKDAY_NAMES.indexOf(d) + 6) % 7))].sort((a, b) => a - b);
  const name = (i: number) => WEEKDAY_NAMES[(i + 1) % 7]!.replace(/^./, (c) => c.toUpperCase());
  const runs: [number, number][] = [];
  for (const i of week) {
    const last = runs.at(-1);
    if (last && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  }
  return runs.map(([a, b]) => (b - a >= 2 ? `${name(a)}–${name(b)}` : b > a ? `${name(a)}, ${name(b)}` : name(a))).join(', ');
}

/**
 * The prices in force at `at` (epoch ms, the request's start): the window's token prices over the
 * flat ones inside a window, the flat prices (the same object) outside every window.
 */
export function pricesAt(prices: ModelPrices, at: number): ModelPrices {
  const w = windowAt(prices.timeOfDay, at);
  if (!w) return prices;
  return { ...prices, input: w.input, cachedInput: w.cachedInput, cacheWrite: w.cacheWrite, output: w.output };
}

const price = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

/**
 * The stored windows (models.time_of_day_prices) as the request path reads them; null when none.
 * A malformed entry is left out (only the seed and the migrations write the column).
 */
export function timeOfDayOf(stored: unknown): TimeOfDayPrice[] | null {
  if (!Array.isArray(stored)) return null;
  const out: TimeOfDayPrice[] = [];
  for (const w of stored as Partial<Record<keyof TimeOfDayWindow, unknown>>[]) {
    const start = parseHhMm(w?.start);
    const end = parseHhMm(w?.end);
    const input = price(w?.input_price);
    const output = price(w?.output_price);
    const days = w?.days == null ? undefined : parseDays(w.days);
    if (start === null || end === null || start === end || input === null || output === null || days === null) continue;
    out.push({ start, end, input, output, cachedInput: price(w.cached_input_price), cacheWrite: price(w.cache_write_price), ...(days && days.length < 7 ? { days } : {}) });
  }
  return out.length ? out : null;
}

/** Windows in the stored and shown shape. */
export function storedTimeOfDay(windows: readonly TimeOfDayPrice[]): TimeOfDayWindow[] {
  return windows.map((w) => ({
    start: formatHhMm(w.start), end: formatHhMm(w.end),
    input_price: w.input, cached_input_price: w.cachedInput, cache_write_price: w.cacheWrite, output_price: w.output,
    ...(w.days ? { days: storedDays(w.days) } : {}),
  }));
}
