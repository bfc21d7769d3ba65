import type { SQL } from 'bun';
import { isConnectionError } from '../db/pg-store';
import { isPassingPgFailure } from '../db/pg-write-failure';
import { pgText } from '../db/pg-text';
import { LOG_COLUMNS, logRowBytes, MAX_LOG_QUEUE_BYTES, type LogRow } from './log-row';
import type { WorkerLogSink } from './log-sink';
import { LOG_CLOSE_TIMEOUT_MS } from './log-sink-interface';
import { LOG_INSERT_COLUMNS, logRowValues, type LogRowValues } from './log-row-sql';
import { rollupDeltas } from './rollup-batch';
import { MEASURES, ROLLUP_TABLES, type RollupTable } from './rollup-tables';
import { DroppedRows } from './dropped-rows';

export interface PgLogSinkOptions {
  /** Rows per transaction (one multi-row insert plus one multi-row upsert per rollup table). */
  batchSize?: number;
  /** Longest a row waits before its (partial) batch is written. */
  flushMs?: number;
  /** Rows accepted but not yet committed; beyond this, write() drops and counts (PostgreSQL down). */
  maxQueue?: number;
  /** Their size (logRowBytes) at most, likewise (default MAX_LOG_QUEUE_BYTES). */
  maxQueueBytes?: number;
  /** Pause before retrying a batch that failed (PostgreSQL unreachable). */
  retryMs?: number;
  /** Raw rows older than this are deleted (hourly, and at start); 0 keeps all. */
  retentionDays?: number;
  retentionBatch?: number;
  retentionIntervalMs?: number;
  warnEveryMs?: number;
  warn?: (message: string) => void;
  /** close() waits this long for the buffer to be written; what is left then is counted as dropped. */
  closeTimeoutMs?: number;
}

/** A row with its text as PostgreSQL can store it (pg-text.ts): one request's odd text must not refuse its batch. */
function pgRow(r: LogRow): LogRow {
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== 'string' || pgText(v) === v) continue;
    out ??= { ...r };
    out[k] = pgText(v);
  }
  return (out as LogRow | null) ?? r;
}

/**
 * One multi-row insert of the batch's request_logs rows. The rows travel as one JSON parameter
 * expanded by json_populate_recordset: a statement with a placeholder per column and row (14,500 for a
 * batch of 500) costs PostgreSQL far more to parse and bind than one text value.
 */
function insertLogsStatement(records: readonly LogRow[]): { sql: string; args: unknown[] } {
  const rows = records.map((r) => {
    const v = logRowValues(r);
    const o: Record<string, unknown> = {};
    for (let i = 0; i < v.length; i++) o[LOG_COLUMNS[i]!.name] = LOG_COLUMNS[i]!.boolean ? v[i] === 1 : v[i];
    return o;
  });
  const cols = LOG_INSERT_COLUMNS.join(', ');
  return {
    sql: `INSERT INTO request_logs (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::request_logs, $1::text::json)`,
    args: [JSON.stringify(rows)],
  };
}

/**
 * One multi-row upsert adding the deltas to a rollup table. Safe with other instances writing the
 * same rows: each sum is added to what is stored (`x = t.x + excluded.x`), and rows are sorted by
 * key so concurrent writers lock them in one order and cannot deadlock.
 */
function upsertRollupStatement(t: RollupTable, deltas: readonly LogRowValues[]): { sql: string; args: unknown[] } {
  const key = [t.time, ...t.dims];
  const cols = [...key, ...MEASURES];
  const sorted = [...deltas].sort((a, b) => {
    for (let i = 0; i < key.length; i++) {
      const x = a[i]!, y = b[i]!;
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  });
  const json = JSON.stringify(sorted.map((d) => Object.fromEntries(cols.map((c, i) => [c, d[i]]))));
  return {
    sql: `INSERT INTO ${t.name} AS t (${cols.join(', ')})
SELECT ${cols.join(', ')} FROM json_populate_recordset(NULL::${t.name}, $1::text::json) ORDER BY ${key.join(', ')}
ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${MEASURES.map((m) => `${m} = t.${m} + excluded.${m}`).join(', ')}`,
    args: [json],
  };
}

/**
 * The log sink on PostgreSQL. write() only pushes onto an array (the request path never waits);
 * batches are written one at a time, each in one transaction with every rollup's upsert. While
 * PostgreSQL is unreachable the batch is retried and new rows wait in the same bounded buffer;
 * what does not fit is counted as dropped (/health and /metrics log_queue), never silently lost.
 */
export function createPgLogSink(client: SQL, opts: PgLogSinkOptions = {}): WorkerLogSink {
  const batchSize = opts.batchSize ?? 500;
  const flushMs = opts.flushMs ?? 100;
  const maxQueue = opts.maxQueue ?? 100_000;
  const maxQueueBytes = opts.maxQueueBytes ?? MAX_LOG_QUEUE_BYTES;
  const retryMs = opts.retryMs ?? 1000;
  const warnEveryMs = opts.warnEveryMs ?? 10_000;
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const retentionDays = opts.retentionDays ?? 30;

  let queue: LogRow[] = [];
  let inflight = 0;
  /** The batch being written (its commit may have gone through already). */
  let current: readonly LogRow[] = [];
  /** logRowBytes of the rows queued and in flight, each row's as it was counted when written. */
  let queuedBytes = 0;
  const sizeOf = new WeakMap<LogRow, number>();
  /** The rows of a batch leave the buffer (written, or dropped). */
  const gone = (batch: readonly LogRow[]) => {
    for (const r of batch) queuedBytes -= sizeOf.get(r) ?? 0;
  };
  let written = 0;
  const drops = new DroppedRows(warn, warnEveryMs);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let writing: Promise<void> | null = null;
  let closed = false;
  let refusals = 0;
  /** Why writes fail while rows are kept for another try (/health `log_queue.error`); null once a batch commits. */
  let failing: string | null = null;
  /** Rows still to be written one per transaction after a batch was refused, so only the refused row is lost. */
  let isolating = 0;
  /** Rows at the head of the queue whose batch lost its connection mid-write: committed or not, unknown. */
  let uncertain = 0;
  const listeners = new Set<(records: readonly LogRow[]) => void>();
  /** Since when PostgreSQL has been unreachable for the writer (null: it is not), and the rows written since it came back. */
  let awaySince: number | null = null;
  let writtenSinceBack = 0;
  /** Rows waiting when PostgreSQL came back: once they are written, stderr says so. */
  let heldAtBack = 0;
  /** PostgreSQL answers again: once the rows that waited are written (or the buffer is empty), one line says it is back. */
  const back = (count: number) => {
    if (awaySince === null) return;
    if (writtenSinceBack === 0) heldAtBack = count + queue.length;
    writtenSinceBack += count;
    if (writtenSinceBack < heldAtBack && queue.length) return;
    const away = Math.max(1, Math.round((Date.now() - awaySince) / 1000));
    warn(`gophergate: PostgreSQL is back; the log writer wrote the ${writtenSinceBack} row(s) that waited (unreachable for about ${away} s)`);
    awaySince = null;
    writtenSinceBack = 0;
  };

  async function commit(batch: readonly LogRow[]): Promise<void> {
    // Text as PostgreSQL can store it before the rollup keys are made from it (two spellings of
    // one key would otherwise meet in one upsert).
    const rows = batch.map(pgRow);
    const deltas = rollupDeltas(rows);
    await client.begin(async (tx) => {
      const ins = insertLogsStatement(rows);
      await tx.unsafe(ins.sql, ins.args as any[]);
      for (let i = 0; i < ROLLUP_TABLES.length; i++) {
        if (!deltas[i]!.length) continue;
        const up = upsertRollupStatement(ROLLUP_TABLES[i]!, deltas[i]!);
        await tx.unsafe(up.sql, up.args as any[]);
      }
    });
  }

  /**
   * True when the batch is in the database already: its transaction committed, but the connection
   * was lost before PostgreSQL's answer came. A batch commits whole, so its first row tells
   * (found through the request_id index).
   */
  async function committedBefore(batch: readonly LogRow[]): Promise<boolean> {
    const first = pgRow(batch[0]!);
    const found = await client.unsafe('SELECT 1 FROM request_logs WHERE created_at = $1::bigint AND request_id = $2::text LIMIT 1', [first.createdAt, first.requestId]);
    return found.length > 0;
  }

  /** Writes batches until the queue is empty; a failed batch goes back to the front and is retried. */
  async function drain(): Promise<void> {
    while (queue.length) {
      // A batch whose commit may have gone through (connection lost) is retried as it was, and
      // only once the database says it is not there: written again, its rows and rollups would count twice.
      const batch = queue.slice(0, uncertain || (isolating > 0 ? 1 : batchSize));
      const check = uncertain > 0;
      queue = queue.slice(batch.length);
      inflight = batch.length;
      current = batch;
      /** Still looking for an uncertain batch: a failure now (too many clients after a restart) leaves it uncertain. */
      let looking = check;
      try {
        if (!check || !(await committedBefore(batch))) {
          looking = false;
          await commit(batch);
        }
        uncertain = 0;
        inflight = 0;
        current = [];
        gone(batch);
        refusals = 0;
        failing = null;
        if (isolating > 0) isolating--;
        written += batch.length;
        back(batch.length);
        for (const cb of listeners) {
          try {
            cb(batch);
          } catch (err) {
            console.error(`gophergate: log listener failed: ${(err as Error).message}`);
          }
        }
      } catch (err) {
        inflight = 0;
        current = [];
        // A failed look is waited out as a lost connection is: the batch is looked for again, never written blindly.
        const connection = looking || isConnectionError(err);
        // Refused, not lost: PostgreSQL answered, so nothing of the batch is in.
        if (!connection) uncertain = 0;
        // A refusal that passes (disk full, a read-only standby, a timeout) is waited out like an outage.
        const refused = !connection && !isPassingPgFailure(err);
        // A batch PostgreSQL refuses (not an outage) is about some row's content: its rows go again
        // one per transaction, and a row refused 3 times is counted as dropped, not the batch.
        if (refused && batch.length > 1) {
          isolating = batch.length;
          refusals = 0;
          queue = batch.concat(queue);
          continue;
        }
        if (refused && ++refusals >= 3) {
          refusals = 0;
          if (isolating > 0) isolating--;
          gone(batch);
          drops.drop(batch.length, `PostgreSQL refused a log row (${(err as Error).message})`, true);
          continue;
        }
        queue = batch.concat(queue);
        if (connection) uncertain = batch.length;
        failing = (err as Error).message;
        awaySince ??= Date.now();
        writtenSinceBack = 0;
        drops.warn(`gophergate: log writer could not write to PostgreSQL (${(err as Error).message}); ${queue.length} row(s) waiting`);
        if (closed && closeGiveUp) return;
        await Bun.sleep(retryMs);
      }
    }
  }

  function kick(): void {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    writing ??= drain().finally(() => {
      writing = null;
      if (queue.length && !(closed && closeGiveUp)) kick();
    });
  }

  let closeGiveUp = false;

  // Retention: one short delete step at a time, through the created_at index.
  let retentionTimer: ReturnType<typeof setInterval> | null = null;
  async function runRetention(): Promise<number> {
    if (retentionDays <= 0) return 0;
    const cutoff = Date.now() - retentionDays * 86_400_000;
    const step = opts.retentionBatch ?? 5000;
    let total = 0;
    for (;;) {
      const r = await client.unsafe(
        'DELETE FROM request_logs WHERE id IN (SELECT id FROM request_logs WHERE created_at < $1 ORDER BY created_at LIMIT $2)',
        [cutoff, step],
      );
      const n = (r as any).count ?? 0;
      total += n;
      if (n < step) return total;
    }
  }
  if (retentionDays > 0) {
    void runRetention().catch(() => {});
    retentionTimer = setInterval(() => void runRetention().catch(() => {}), opts.retentionIntervalMs ?? 3_600_000);
    (retentionTimer as any).unref?.();
  }

  return {
    write(record) {
      if (closed) return drops.drop(1, 'log record written after shutdown began');
      if (queue.length + inflight >= maxQueue) return drops.drop(1, `log queue full (${maxQueue} records waiting for PostgreSQL)`);
      const bytes = logRowBytes(record);
      if (queuedBytes + bytes > maxQueueBytes) return drops.drop(1, `log queue full (${Math.round(maxQueueBytes / 1048576)} MiB of records waiting for PostgreSQL)`);
      queuedBytes += bytes;
      sizeOf.set(record, bytes);
      queue.push(record);
      if (writing) return;
      if (queue.length >= batchSize) kick();
      else timer ??= setTimeout(kick, flushMs);
    },
    stats: () => ({ depth: queue.length + inflight, dropped: drops.count, written, ...(failing ? { error: failing } : {}) }),
    *unwritten() {
      yield* current;
      yield* queue;
    },
    onWritten(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    runRetention,
    async close() {
      closed = true;
      if (retentionTimer) clearInterval(retentionTimer);
      kick();
      // Give the buffer (and a down PostgreSQL) closeTimeoutMs; then what is left is counted as dropped.
      const wait = opts.closeTimeoutMs ?? LOG_CLOSE_TIMEOUT_MS;
      const done = await Promise.race([(async () => { while (writing) await writing; })().then(() => true), Bun.sleep(wait).then(() => false)]);
      if (!done) {
        closeGiveUp = true;
        const lost = queue.length + inflight;
        queue = [];
        queuedBytes = 0;
        if (lost) drops.drop(lost, `log rows not written to PostgreSQL within ${wait} ms of shutdown`);
      }
    },
  };
}
