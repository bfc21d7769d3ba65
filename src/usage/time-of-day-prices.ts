import type { ModelPrices, TimeOfDayPrice } from '../state/snapshot-types';

/**
 * Time-of-day prices: DeepSeek bills by the hour a request is made (V3's half-price night
 * 16:30-00:30 UTC; V4's double-price peaks 01:00-04:00 and 06:00-10:00 UTC). The models table
 * keeps a row's flat prices plus the daily windows where other prices apply
 * (`time_of_day_prices`, JSON in the stored shape below); a request is priced at the window in
 * force when it STARTED (its row's created_at), whenever it ends, as DeepSeek does.
 */

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
}

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after 00:00 UTC of an epoch-ms instant (0-1439). */
export function minuteOfDay(at: number): number {
  return ((Math.floor(at / MINUTE_MS) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
}

/** `HH:MM` -> minutes after midnight; null when it is not one. */
export function parseHhMm(s: unknown): number | null {
  const m = typeof s === 'string' ? HH_MM.exec(s) : null;
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Minutes after midnight -> `HH:MM`. */
export function formatHhMm(minutes: number): string {
  const m = ((minutes % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Is `minute` inside [start, end), the window crossing midnight when end < start? */
export function inWindow(w: Pick<TimeOfDayPrice, 'start' | 'end'>, minute: number): boolean {
  return w.end < w.start ? minute >= w.start || minute < w.end : minute >= w.start && minute < w.end;
}

/** The window in force at `at` (epoch ms; the last listed one that holds it, as genai-prices reads its list), or null. */
export function windowAt(windows: readonly TimeOfDayPrice[] | null | undefined, at: number): TimeOfDayPrice | null {
  if (!windows?.length) return null;
  const minute = minuteOfDay(at);
  for (let i = windows.length - 1; i >= 0; i--) if (inWindow(windows[i]!, minute)) return windows[i]!;
  return null;
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
    if (start === null || end === null || start === end || input === null || output === null) continue;
    out.push({ start, end, input, output, cachedInput: price(w.cached_input_price), cacheWrite: price(w.cache_write_price) });
  }
  return out.length ? out : null;
}

/** Windows in the stored and shown shape. */
export function storedTimeOfDay(windows: readonly TimeOfDayPrice[]): TimeOfDayWindow[] {
  return windows.map((w) => ({
    start: formatHhMm(w.start), end: formatHhMm(w.end),
    input_price: w.input, cached_input_price: w.cachedInput, cache_write_price: w.cacheWrite, output_price: w.output,
  }));
}
