import { bundledWorkerUrl } from '../runtime/bundled-worker-url';
import { LOG_CLOSE_TIMEOUT_MS, type LogSink } from './log-sink-interface';
import { logRowBytes, MAX_LOG_QUEUE_BYTES, type LogRow } from './log-row';
import type { FromWriter, ToWriter } from './log-writer-protocol';
import { PASSING_SQLITE_FAILURE } from '../db/sqlite-write-failure';
import { DroppedRows } from './dropped-rows';
import { descriptorsExhausted } from '../runtime/descriptors';

export interface LogSinkOptions {
  dbPath: string;
  /** Records per postMessage (and per SQLite transaction). */
  batchSize?: number;
  /** Longest a record waits on the main thread before its (partial) batch is posted. */
  flushMs?: number;
  /** Records accepted but not yet committed; beyond this, write() drops and counts. */
  maxQueue?: number;
  /** Their size (logRowBytes) at most, likewise (default MAX_LOG_QUEUE_BYTES). */
  maxQueueBytes?: number;
  /** Raw rows older than this are deleted by the writer (hourly and at start); 0 keeps all. */
  retentionDays?: number;
  /** Rows per retention delete step. */
  retentionBatch?: number;
  retentionIntervalMs?: number;
  /** Least time between two "queue full" warnings. */
  warnEveryMs?: number;
  warn?: (message: string) => void;
  /** The writer thread's code (tests: one that can be made to exit). */
  workerUrl?: string;
  /** Whether no file descriptor is free (errno code, else null): checked before a restart. */
  descriptorsExhausted?: () => string | null;
  /** close() waits this long for the queued rows to be committed; what is left then is counted as dropped. */
  closeTimeoutMs?: number;
}

/** The LogSink backed by the log-writer worker. */
export interface WorkerLogSink extends LogSink {
  /** Called on the main thread with each batch once it is committed (for the monitor feed). */
  onWritten(cb: (records: readonly LogRow[]) => void): () => void;
  /** Runs a retention pass now; resolves with the number of raw rows deleted. */
  runRetention(): Promise<number>;
}

const workerUrl = () => bundledWorkerUrl(import.meta.url, './log-writer.worker.ts', 'logging/log-writer.worker.ts');

const MAX_RESTARTS = 3;

/** First wait before a kept batch is tried again; it doubles up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;

/**
 * Creates the asynchronous log sink. write() only pushes onto an array: batches are posted to the
 * worker when full or after `flushMs`, and the worker commits each in one transaction.
 */
export function createLogSink(opts: LogSinkOptions): WorkerLogSink {
  const batchSize = opts.batchSize ?? 500;
  const flushMs = opts.flushMs ?? 100;
  const maxQueue = opts.maxQueue ?? 100_000;
  const maxQueueBytes = opts.maxQueueBytes ?? MAX_LOG_QUEUE_BYTES;
  const warnEveryMs = opts.warnEveryMs ?? 10_000;
  const warn = opts.warn ?? ((m: string) => console.warn(m));

  let pending: LogRow[] = [];
  const inflight = new Map<number, LogRow[]>();
  let inflightCount = 0;
  /** logRowBytes of the rows pending and in flight, each row's as it was counted when written. */
  let queuedBytes = 0;
  const sizeOf = new WeakMap<LogRow, number>();
  let seq = 0;
  let written = 0;
  const drops = new DroppedRows(warn, warnEveryMs);
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** Batches kept after a passing commit failure, each waiting for its next try. */
  const retries = new Map<number, ReturnType<typeof setTimeout>>();
  let retryMs = RETRY_FIRST_MS;
  /** Why commits fail, while batches are kept for another try (/health reports it). */
  let failing: string | null = null;
  let closed = false;
  let closing: Promise<void> | null = null;
  let resolveClosed: (() => void) | null = null;
  const listeners = new Set<(records: readonly LogRow[]) => void>();
  const retentionWaiters = new Map<number, (deleted: number) => void>();

  const url = opts.workerUrl ?? workerUrl();
  const exhausted = opts.descriptorsExhausted ?? descriptorsExhausted;
  let worker: Worker;
  const post = (msg: ToWriter) => worker.postMessage(msg);
  const init: ToWriter = {
    type: 'init',
    dbPath: opts.dbPath,
    retentionDays: opts.retentionDays ?? 30,
    retentionBatch: opts.retentionBatch ?? 5000,
    retentionIntervalMs: opts.retentionIntervalMs ?? 3_600_000,
  };

  function flush(): void {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (pending.length === 0) return;
    const records = pending;
    pending = [];
    const id = ++seq;
    inflight.set(id, records);
    inflightCount += records.length;
    post({ type: 'batch', seq: id, json: JSON.stringify(records) });
  }

  function keepForRetry(id: number, why: string): void {
    if (failing === null) console.error(`gophergate: log writer cannot commit (${why}); ${inflightCount} row(s) kept and retried, new rows queue (at most ${maxQueue})`);
    failing = why;
    retries.set(id, setTimeout(() => resend(id), retryMs));
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }

  function resend(id: number): void {
    retries.delete(id);
    const records = inflight.get(id);
    if (records) post({ type: 'batch', seq: id, json: JSON.stringify(records) });
  }

  function settle(id: number): LogRow[] {
    const records = inflight.get(id) ?? [];
    inflight.delete(id);
    inflightCount -= records.length;
    for (const r of records) queuedBytes -= sizeOf.get(r) ?? 0;
    return records;
  }

  function onMessage(event: MessageEvent<FromWriter>): void {
    const msg = event.data;
    switch (msg.type) {
      case 'written': {
        const records = settle(msg.seq);
        written += records.length;
        crashes = 0;
        if (failing && retries.size === 0) {
          console.warn(`gophergate: log writer commits again; the rows kept meanwhile are written`);
          failing = null;
          retryMs = RETRY_FIRST_MS;
        }
        for (const cb of listeners) {
          try {
            cb(records);
          } catch (err) {
            console.error(`gophergate: log listener failed: ${(err as Error).message}`);
          }
        }
        return;
      }
      case 'failed': {
        // A commit failure that passes (PASSING_SQLITE_FAILURE: the disk full, the file read-only for
        // a while, an I/O error, a lock held too long) is kept and tried again; at shutdown there is
        // no later. Anything else (a row SQLite refuses) would fail again: counted as dropped.
        if (!inflight.has(msg.seq)) return; // already counted: the stop's deadline passed (giveUpAtClose)
        if (msg.count > 0 && !closed && PASSING_SQLITE_FAILURE.test(msg.message)) return keepForRetry(msg.seq, msg.message);
        const lost = settle(msg.seq).length;
        if (closed) lastFailure = msg.message;
        drops.drop(lost, `log writer could not commit a batch of ${lost} (${msg.message})`);
        return;
      }
      case 'retention':
        retentionWaiters.get(msg.seq)?.(msg.deleted);
        retentionWaiters.delete(msg.seq);
        return;
      case 'fatal':
        // The writer could not open the database: no row is stored until a restart opens it (/health: degraded).
        failing = msg.message;
        console.error(`gophergate log writer: ${msg.message}`);
        return;
      case 'closed':
        resolveClosed?.();
        return;
    }
  }

  let closeDeadline = () => {};
  /** Why the last batch failed during the stop (its rows are not retried then). */
  let lastFailure: string | null = null;

  const closeTimeoutMs = opts.closeTimeoutMs ?? LOG_CLOSE_TIMEOUT_MS;
  /** Said when the deadline passed before the writer answered why it had not committed. */
  let gaveUpWhy: string | null = null;

  /** The stop's deadline passed: the rows not committed yet are counted as dropped, and the stop goes on. */
  function giveUpAtClose(): void {
    gaveUpWhy = `not committed within the ${closeTimeoutMs / 1000} s stop deadline: is another program holding the database's write lock?`;
    drops.count += forgetUncommitted(); // said once, in the stop's summary (close)
    resolveClosed?.();
  }

  /** Forgets the rows not committed yet, queued or sent to the writer: how many they were. */
  function forgetUncommitted(): number {
    const lost = pending.length + inflightCount;
    pending = [];
    inflight.clear();
    inflightCount = 0;
    queuedBytes = 0;
    return lost;
  }

  let exited = false;
  /** Writer exits since the last committed batch; past MAX_RESTARTS the sink gives up. */
  let crashes = 0;
  let dead = false;

  function giveUp(): void {
    dead = true;
    // No row is stored from now on: /health says degraded, and why, until the gateway restarts.
    failing = `log writer failed ${crashes} times in a row and was given up; request logging is off until restart`;
    drops.drop(forgetUncommitted(), failing, true);
    for (const resolve of retentionWaiters.values()) resolve(0);
    retentionWaiters.clear();
    resolveClosed?.();
  }

  /**
   * Starts the writer thread. Batches stay in `inflight` until acknowledged, so if the thread
   * dies a fresh one is started and gets them again (a crash after a commit but before its ack
   * can duplicate that one batch; losing it would be worse).
   */
  function spawn(): void {
    worker = new Worker(url);
    exited = false;
    worker.onmessage = onMessage;
    worker.onerror = (event) => console.error(`gophergate log writer error: ${(event as ErrorEvent).message ?? event}`);
    worker.addEventListener('close', () => {
      if (exited) return;
      exited = true;
      if (++crashes > MAX_RESTARTS) return giveUp();
      console.error(`gophergate: log writer thread exited; restarting it (${crashes}/${MAX_RESTARTS})`);
      setTimeout(restart, 200 * crashes, RETRY_FIRST_MS);
    });
    post(init);
  }

  /**
   * Starts a writer again and gives it every batch not yet acknowledged. `new Worker` with no file
   * descriptor free ends the process (bun 1.4.5): at the open-file limit it waits (`waitMs`, doubling
   * up to RETRY_MAX_MS) and the rows stay queued; the wait is not counted as a crash.
   */
  function restart(waitMs: number): void {
    const code = exhausted();
    if (code) {
      failing = `log writer not restarted: no file descriptor free (${code})`;
      if (waitMs === RETRY_FIRST_MS) console.error(`gophergate: log writer not restarted: no file descriptor free (${code}); ${pending.length + inflightCount} row(s) queued, trying again`);
      setTimeout(restart, waitMs, Math.min(waitMs * 2, RETRY_MAX_MS));
      return;
    }
    spawn();
    // Every batch goes again now, those kept for a retry too: their timers would post them a
    // second time (two rows each once both commit).
    for (const t of retries.values()) clearTimeout(t);
    retries.clear();
    for (const [id, records] of [...inflight].sort((x, y) => x[0] - y[0])) post({ type: 'batch', seq: id, json: JSON.stringify(records) });
    if (resolveClosed) post({ type: 'close' });
  }
  spawn();

  return {
    write(record) {
      if (closed || dead) return drops.drop(1, dead ? 'log writer is down' : 'log record written after shutdown began');
      if (pending.length + inflightCount >= maxQueue) {
        return drops.drop(1, `log queue full (${maxQueue} records waiting for SQLite)`);
      }
      const bytes = logRowBytes(record);
      if (queuedBytes + bytes > maxQueueBytes) return drops.drop(1, `log queue full (${Math.round(maxQueueBytes / 1048576)} MiB of records waiting for SQLite)`);
      queuedBytes += bytes;
      sizeOf.set(record, bytes);
      pending.push(record);
      if (pending.length >= batchSize) flush();
      else timer ??= setTimeout(flush, flushMs);
    },
    stats: () => ({ depth: pending.length + inflightCount, dropped: drops.count, written, ...(failing ? { error: failing } : {}) }),
    *unwritten() {
      yield* pending;
      for (const records of inflight.values()) yield* records;
    },
    onWritten(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    runRetention() {
      const id = ++seq;
      return new Promise<number>((resolve) => {
        retentionWaiters.set(id, resolve);
        post({ type: 'retention', seq: id });
      });
    },
    close() {
      const droppedBefore = drops.count;
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        if (dead) return resolve();
        // Kept batches get one last try now; what fails then is counted as dropped.
        for (const [id, t] of [...retries]) {
          clearTimeout(t);
          resend(id);
        }
        flush();
        resolveClosed = resolve;
        post({ type: 'close' });
        // A lock another program holds costs each batch three busy_timeout waits, one batch after
        // another: the stop is bounded, and the rows not committed by then are counted as dropped.
        const deadline = setTimeout(giveUpAtClose, closeTimeoutMs);
        closeDeadline = () => clearTimeout(deadline);
      }).then(() => {
        closeDeadline();
        const lost = drops.count - droppedBefore;
        const why = lastFailure ?? failing ?? gaveUpWhy;
        if (lost) console.error(`gophergate: ${lost} log row(s) not written to SQLite at shutdown${why ? ` (${why})` : ''}; counted as dropped (log_queue.dropped, gophergate_log_dropped_total)`);
        exited = true;
        resolveClosed = null;
        void worker.terminate();
      });
      return closing;
    },
  };
}
