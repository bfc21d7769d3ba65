import type { LogRow } from './log-row';

/** Where the request path hands rows; never blocks, never throws. */
export interface LogSink {
  write(record: LogRow): void;
  /** `error`: why rows cannot be stored just now (they are kept and retried meanwhile); unset or null: none. */
  stats(): { depth: number; dropped: number; written: number; error?: string | null };
  /** Waits until every accepted record is in SQLite, then stops the writer. */
  close(): Promise<void>;
}
