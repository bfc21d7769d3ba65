import type { LogRow } from './log-row';

/** Where the request path hands rows; never blocks, never throws. */
export interface LogSink {
  write(record: LogRow): void;
  /** `error`: why rows cannot be stored just now (they are kept and retried meanwhile); unset or null: none. */
  stats(): { depth: number; dropped: number; written: number; error?: string | null };
  /**
   * The rows accepted and not yet known to be stored (queued, or sent to the store whose answer has
   * not come: some may be committed already). A budget seeded from the logs adds those of its scope
   * the store does not hold yet (LimitsService.loggedSpend): the writer's last ~100 ms of spend.
   */
  unwritten?(): Iterable<LogRow>;
  /** Waits until every accepted record is stored (at most LOG_CLOSE_TIMEOUT_MS; the rest counted as dropped), then stops the writer. */
  close(): Promise<void>;
}

/**
 * How long a stop waits for the queued log rows to be stored (SQLite or PostgreSQL). A store that
 * stays locked or down would otherwise hold the stop past a supervisor's patience (Docker's 10 s
 * after the SIGTERM, systemd's 90 s) and end in a SIGKILL; the rows left are counted as dropped.
 */
export const LOG_CLOSE_TIMEOUT_MS = 10_000;
