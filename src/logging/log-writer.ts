import type { Database } from 'bun:sqlite';
import type { LogRecord } from './log-record';
import { INSERT_LOG_SQL, UPSERT_ROLLUP_SQL, logRowValues } from './log-row-sql';
import { rollupBatch } from './rollup-batch';

export interface LogWriter {
  /** Inserts the rows and their rollup deltas in one transaction (all or nothing). */
  writeBatch(records: readonly LogRecord[]): void;
  /** Deletes up to `limit` raw rows created before `cutoff`; returns how many went. Rollups stay. */
  deleteOlderThan(cutoff: number, limit: number): number;
}

/** The log writer's SQL on one connection; runs in the worker (and directly in benchmarks). */
export function createLogWriter(sqlite: Database): LogWriter {
  const insert = sqlite.prepare(INSERT_LOG_SQL);
  const upsert = sqlite.prepare(UPSERT_ROLLUP_SQL);
  // Through the created_at index, oldest first, so each step is a short write lock.
  const prune = sqlite.prepare(
    'DELETE FROM request_logs WHERE id IN (SELECT id FROM request_logs WHERE created_at < ? ORDER BY created_at LIMIT ?)',
  );
  const tx = sqlite.transaction((records: readonly LogRecord[]) => {
    for (const r of records) insert.run(...(logRowValues(r) as [number]));
    for (const delta of rollupBatch(records)) upsert.run(...(delta as [number]));
  });
  return {
    // IMMEDIATE takes the write lock up front, so busy_timeout applies instead of a mid-transaction SQLITE_BUSY.
    writeBatch: (records) => void tx.immediate(records),
    deleteOlderThan: (cutoff, limit) => prune.run(cutoff, limit).changes,
  };
}
