import type { LogRow } from './log-row';

/**
 * The log row under its older name, for code outside logging/ not yet moved to `LogRow`
 * (proxy/chat-runner.ts, limits/, metrics/, the endpoint folders). The same type: remove the
 * alias once those import `LogRow`.
 */
export type LogRecord = LogRow;

/** Where the request path hands rows; never blocks, never throws. */
export interface LogSink {
  write(record: LogRow): void;
  stats(): { depth: number; dropped: number; written: number };
  /** Waits until every accepted record is in SQLite, then stops the writer. */
  close(): Promise<void>;
}
