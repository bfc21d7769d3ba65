import type { LogRow } from './log-row';

/** Where the request path hands rows; never blocks, never throws. */
export interface LogSink {
  write(record: LogRow): void;
  stats(): { depth: number; dropped: number; written: number };
  /** Waits until every accepted record is in SQLite, then stops the writer. */
  close(): Promise<void>;
}
