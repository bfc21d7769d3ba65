import type { LogRow } from './log-row';
import { HOUR_MS, isErrorRecord, type LogRowValues } from './log-row-sql';
import { bucketStart, ROLLUP_TABLES, type RollupTable } from './rollup-tables';

/**
 * The finest delta key, never stored: usage_hourly's key plus the row's team. Every rollup table
 * is folded from these deltas (or from its hourly twin's), so the team costs one more key column
 * here rather than a wider usage_hourly.
 */
const BASE: RollupTable = { name: '', time: 'hour', dims: ['provider', 'model', 'client_id', 'team_id'] };

/**
 * Folds a batch into BASE deltas keyed by hour x provider x model x client x team, so a batch of
 * 500 rows costs a handful of upserts. Rules the dashboard relies on:
 * - `model` is the concrete model, or the requested name when none was resolved (unknown model).
 * - A classifier call is not a client request: its tokens and cost count, its request, error and
 *   latency do not (its time is already inside the routed request's latency).
 */
function baseDeltas(records: readonly LogRow[]): LogRowValues[] {
  const acc = new Map<string, LogRowValues>();
  for (const r of records) {
    const hour = Math.floor(r.createdAt / HOUR_MS) * HOUR_MS;
    const provider = r.provider ?? '';
    const model = r.model ?? r.modelRequested ?? '';
    const client = r.clientId ?? 0;
    const team = r.teamId ?? 0;
    const key = `${hour}\u0000${provider}\u0000${model}\u0000${client}\u0000${team}`;
    let row = acc.get(key);
    if (!row) {
      row = [hour, provider, model, client, team, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
      acc.set(key, row);
    }
    const counted = r.endpoint !== 'classifier';
    const v = row as number[];
    if (counted) {
      v[5]! += 1;
      if (isErrorRecord(r)) v[6]! += 1;
      v[12]! += r.latencyMs || 0;
      v[13]! += r.overheadMs || 0;
    }
    v[7]! += r.promptTokens || 0;
    v[8]! += r.cachedTokens || 0;
    v[9]! += r.completionTokens || 0;
    v[10]! += r.reasoningTokens || 0;
    v[11]! += r.costUsd || 0;
    v[14]! += r.cacheWriteTokens || 0;
  }
  return [...acc.values()];
}

const MEASURE_COUNT = 10;

/** Folds one table's delta rows into a coarser table's (fewer dims and/or day instead of hour). */
function fold(rows: readonly LogRowValues[], from: RollupTable, to: RollupTable): LogRowValues[] {
  const pos = to.dims.map((d) => 1 + from.dims.indexOf(d));
  const first = 1 + from.dims.length;
  const width = 1 + pos.length;
  const acc = new Map<string, number[]>();
  for (const h of rows) {
    const t = bucketStart(h[0] as number, to.time);
    let id = String(t);
    for (const p of pos) id += `\u0000${h[p]}`;
    const row = acc.get(id);
    if (row) {
      for (let m = 0; m < MEASURE_COUNT; m++) row[width + m]! += h[first + m] as number;
      continue;
    }
    const fresh = [t] as number[];
    for (const p of pos) fresh.push(h[p] as number);
    for (let m = 0; m < MEASURE_COUNT; m++) fresh.push(h[first + m] as number);
    acc.set(id, fresh);
  }
  return [...acc.values()];
}

/** usage_hourly's deltas of a batch (hour x provider x model x client; see baseDeltas for the rules). */
export function rollupBatch(records: readonly LogRow[]): LogRowValues[] {
  return fold(baseDeltas(records), BASE, ROLLUP_TABLES[0]!);
}

/** What each table folds from: a daily table from its hourly twin (an earlier table), any other from BASE (-1). */
const SOURCE = ROLLUP_TABLES.map((t) =>
  t.time === 'day' ? ROLLUP_TABLES.findIndex((h) => h.time === 'hour' && h.dims.join() === t.dims.join()) : -1,
);

/**
 * Deltas for every table of ROLLUP_TABLES (same order), each folded from the batch's BASE deltas
 * or its hourly twin's (see SOURCE), so all of them count a record by the same rules and each fold
 * runs over a few hundred deltas, not the batch. Plain loops and string keys: this runs for every
 * batch.
 */
export function rollupDeltas(records: readonly LogRow[]): LogRowValues[][] {
  const base = baseDeltas(records);
  const done: LogRowValues[][] = [];
  for (let i = 0; i < ROLLUP_TABLES.length; i++) {
    const src = SOURCE[i]!;
    done.push(src < 0 ? fold(base, BASE, ROLLUP_TABLES[i]!) : fold(done[src]!, ROLLUP_TABLES[src]!, ROLLUP_TABLES[i]!));
  }
  return done;
}
