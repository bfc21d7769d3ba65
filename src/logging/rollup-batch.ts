import type { LogRecord } from './log-record';
import { HOUR_MS, isErrorRecord, type LogRowValues } from './log-row-sql';
import { bucketStart, ROLLUP_TABLES, type RollupDim } from './rollup-tables';

/**
 * Folds a batch into usage_hourly deltas keyed by hour x provider x model x client, so a batch of
 * 500 rows costs a handful of upserts. Rules the dashboard relies on:
 * - `model` is the concrete model, or the requested name when none was resolved (unknown model).
 * - A classifier call is not a client request: its tokens and cost count, its request, error and
 *   latency do not (its time is already inside the routed request's latency).
 */
export function rollupBatch(records: readonly LogRecord[]): LogRowValues[] {
  const acc = new Map<string, LogRowValues>();
  for (const r of records) {
    const hour = Math.floor(r.createdAt / HOUR_MS) * HOUR_MS;
    const provider = r.provider ?? '';
    const model = r.model ?? r.modelRequested ?? '';
    const client = r.clientId ?? 0;
    const key = `${hour}\u0000${provider}\u0000${model}\u0000${client}`;
    let row = acc.get(key);
    if (!row) {
      row = [hour, provider, model, client, 0, 0, 0, 0, 0, 0, 0, 0, 0];
      acc.set(key, row);
    }
    const counted = r.endpoint !== 'classifier';
    const v = row as number[];
    if (counted) {
      v[4]! += 1;
      if (isErrorRecord(r)) v[5]! += 1;
      v[11]! += r.latencyMs || 0;
      v[12]! += r.overheadMs || 0;
    }
    v[6]! += r.promptTokens || 0;
    v[7]! += r.cachedTokens || 0;
    v[8]! += r.completionTokens || 0;
    v[9]! += r.reasoningTokens || 0;
    v[10]! += r.costUsd || 0;
  }
  return [...acc.values()];
}

/** Where each dim sits in a usage_hourly delta row. */
const HOURLY_POS: Record<RollupDim, number> = { provider: 1, model: 2, client_id: 3 };
const FIRST_MEASURE = 4;
const MEASURE_COUNT = 9;

/**
 * Deltas for every table of ROLLUP_TABLES (same order): usage_hourly's from the records, every
 * other table's folded from those (at most one per hourly delta, so cheap), so all of them count
 * a record by the same rules. Plain loops and string keys: this runs in the writer for every batch.
 */
export function rollupDeltas(records: readonly LogRecord[]): LogRowValues[][] {
  const hourly = rollupBatch(records);
  return ROLLUP_TABLES.map((table, i) => {
    if (i === 0) return hourly;
    const pos = table.dims.map((d) => HOURLY_POS[d]);
    const width = 1 + pos.length;
    const acc = new Map<string, number[]>();
    for (const h of hourly) {
      const t = bucketStart(h[0] as number, table.time);
      let id = String(t);
      for (const p of pos) id += `\u0000${h[p]}`;
      const row = acc.get(id);
      if (row) {
        for (let m = 0; m < MEASURE_COUNT; m++) row[width + m]! += h[FIRST_MEASURE + m] as number;
        continue;
      }
      const fresh = [t] as number[];
      for (const p of pos) fresh.push(h[p] as number);
      for (let m = 0; m < MEASURE_COUNT; m++) fresh.push(h[FIRST_MEASURE + m] as number);
      acc.set(id, fresh);
    }
    return [...acc.values()];
  });
}
