import type { LogRow } from './log-row';

/** Where the request path hands rows; never blocks, never throws. */
export interface LogSink {
  write(record: LogRow): void;
  /** `error`: why rows cannot be stored just now (they are kept and retried meanwhile); unset or null: none. */
  stats(): { depth: number; dropped: number; written: number; error?: string | null };
  /** Waits until every accepted record is in SQLite, then stops the writer. */
  close(): Promise<void>;
}

/** A sink that tells when rows are committed (the worker and PostgreSQL sinks). */
export interface ReportingLogSink extends LogSink {
  onWritten(cb: (records: readonly LogRow[]) => void): () => void;
}

export const isReportingSink = (sink: LogSink): sink is ReportingLogSink =>
  typeof (sink as Partial<ReportingLogSink>).onWritten === 'function';
