import type { SQLQueryBindings } from 'bun:sqlite';
import { DAY_MS, HOUR_MS, MEASURES, ROLLUP_FAMILIES, type RollupDim, type RollupTable } from './rollup-tables';

/** One rollup table read over [from, to) of its time column (a bound left out is open). */
export interface RollupRead {
  table: RollupTable;
  from?: number;
  to?: number;
}

/**
 * Which rollup rows answer a query, as a pure plan:
 * - the table family is the narrowest whose key holds every dim the query filters or groups on
 *   (per-model or per-client tables stay small whatever the clients x models mix);
 * - the range is hour-granular (`from` floors to its hour, an hour counts when it starts before
 *   `to`); with `grain: 'day'` its whole UTC days come from the daily table and only the partial
 *   days at either edge from the hourly one. Daily rows hold exactly their day's hours, so the
 *   split never changes a total.
 */
export function planRollupReads(
  dims: readonly RollupDim[],
  range: { from?: number; to?: number },
  grain: 'hour' | 'day',
): RollupRead[] {
  const family = ROLLUP_FAMILIES.find((f) => dims.every((d) => f.hourly.dims.includes(d)))!;
  const hFrom = range.from === undefined ? undefined : Math.floor(range.from / HOUR_MS) * HOUR_MS;
  const hTo = range.to === undefined ? undefined : Math.ceil(range.to / HOUR_MS) * HOUR_MS;
  const hourly = (from?: number, to?: number): RollupRead => ({ table: family.hourly, from, to });
  if (grain === 'hour') return [hourly(hFrom, hTo)];
  const dFrom = hFrom === undefined ? undefined : Math.ceil(hFrom / DAY_MS) * DAY_MS;
  const dTo = hTo === undefined ? undefined : Math.floor(hTo / DAY_MS) * DAY_MS;
  if (dFrom !== undefined && dTo !== undefined && dFrom >= dTo) return [hourly(hFrom, hTo)];
  const reads: RollupRead[] = [];
  if (hFrom !== undefined && hFrom < dFrom!) reads.push(hourly(hFrom, dFrom));
  reads.push({ table: family.daily, from: dFrom, to: dTo });
  if (hTo !== undefined && dTo! < hTo) reads.push(hourly(dTo, hTo));
  return reads;
}

/** Equality filters on rollup key columns. */
export type RollupFilter = Partial<Record<RollupDim, string | number>>;

/**
 * The plan as one row source for a FROM clause: each read's rows with its time column as `t`, the
 * dims the query needs and the MEASURES, filtered, joined by UNION ALL. Each branch's time range
 * is a range on its primary key's leading column.
 */
export function rollupSource(
  groupDims: readonly RollupDim[],
  filter: RollupFilter,
  range: { from?: number; to?: number },
  grain: 'hour' | 'day',
): { sql: string; args: SQLQueryBindings[] } {
  const filterDims = (Object.keys(filter) as RollupDim[]).filter((d) => filter[d] !== undefined);
  const dims = [...new Set([...groupDims, ...filterDims])];
  const args: SQLQueryBindings[] = [];
  const branches = planRollupReads(dims, range, grain).map((r) => {
    const where: string[] = [];
    if (r.from !== undefined) where.push(`${r.table.time} >= ?`), args.push(r.from);
    if (r.to !== undefined) where.push(`${r.table.time} < ?`), args.push(r.to);
    for (const d of filterDims) where.push(`${d} = ?`), args.push(filter[d]!);
    const cols = [`${r.table.time} AS t`, ...groupDims, ...MEASURES].join(', ');
    return `SELECT ${cols} FROM ${r.table.name}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  });
  return { sql: `(${branches.join(' UNION ALL ')})`, args };
}
