import type { BudgetPeriod } from './limit-types';

const DAY_MS = 86_400_000;

/** Epoch ms when the UTC period holding `now` began (0 for `total`). */
export function periodStart(period: BudgetPeriod, now: number): number {
  if (period === 'total') return 0;
  const d = new Date(now);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (period === 'day') return day;
  if (period === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  // ISO weeks start on Monday; getUTCDay() is 0 on Sunday.
  return day - ((d.getUTCDay() + 6) % 7) * DAY_MS;
}

/** Names the period holding `now`; spend is kept per period key, so a new key is a rollover. */
export function periodKey(period: BudgetPeriod, now: number): string {
  return `${period}:${periodStart(period, now)}`;
}

/** Epoch ms when the period after the one holding `now` begins (Infinity for `total`). */
export function periodEnd(period: BudgetPeriod, now: number): number {
  if (period === 'total') return Infinity;
  const start = periodStart(period, now);
  if (period === 'day') return start + DAY_MS;
  if (period === 'week') return start + 7 * DAY_MS;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Whether period key `a` (`<period>:<start>`) is of the same kind as `b` and begins after it. */
export function laterPeriod(a: string, b: string): boolean {
  const colon = b.indexOf(':');
  return a.startsWith(b.slice(0, colon + 1)) && Number(a.slice(colon + 1)) > Number(b.slice(colon + 1));
}
