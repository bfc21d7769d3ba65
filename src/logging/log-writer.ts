import type { Database } from 'bun:sqlite';
import type { LogRow } from './log-row';
import { INSERT_LOG_SQL, logRowValues, upsertRollupSql } from './log-row-sql';
import { rollupDeltas } from './rollup-batch';
import { ROLLUP_TABLES } from './rollup-tables';

export interface LogWriter {
  /** Inserts the rows and every rollup table's deltas in one transaction (all or nothing). */
  writeBatch(records: readonly LogRow[]): void;
  /** Deletes up to `limit` raw rows created before `cutoff`; returns how many went. Rollups stay. */
  deleteOlderThan(cutoff: number, limit: number): number;
}

/** The log writer's SQL on one connection; runs in the worker (and directly in benchmarks). */
export function createLogWriter(sqlite: Database): LogWriter {
  const insert = sqlite.prepare(INSERT_LOG_SQL);
  const upserts = ROLLUP_TABLES.map((t) => sqlite.prepare(upsertRollupSql(t)));
  // Through the created_at index, oldest first, so each step is a short write lock.
  const prune = sqlite.prepare(
    'DELETE FROM request_logs WHERE id IN (SELECT id FROM request_logs WHERE created_at < ? ORDER BY created_at LIMIT ?)',
  );
  const tx = sqlite.transaction((records: readonly LogRow[]) => {
    for (const r of records) insert.run(...(logRowValues(r) as [number]));
    // Every rollup (hourly and daily, full and per dimension) moves in the same commit as the rows.
    const deltas = rollupDeltas(records);
    for (let i = 0; i < upserts.length; i++) for (const d of deltas[i]!) upserts[i]!.run(...(d as [number]));
  });
  return {
    // IMMEDIATE takes the write lock up front, so busy_timeout applies instead of a mid-transaction SQLITE_BUSY.
    writeBatch: (records) => void tx.immediate(records),
    deleteOlderThan: (cutoff, limit) => prune.run(cutoff, limit).changes,
  };
}
