import type { LogSink } from './log-sink-interface';
import type { LogRow } from './log-row';

/** How a whole answer's delivery failed, as its row should say it (status, error code, message). */
export type DeliveryFailure = Pick<LogRow, 'status' | 'errorType' | 'error'>;

/** Overrides kept for rows not yet written (an estimate still being counted): at most this many. */
const MAX_LATE_FAILURES = 10_000;

/**
 * A LogSink decorator, the outermost: a whole (non-stream) answer's row is held from the moment
 * the request is admitted until its body went out to the client (`delivered`), so a client that
 * never reads a large answer is recorded as what happened (499 `client_read_timeout`), and the
 * key's limits (settled by the row, limits-log-sink.ts) hold its slot until then, as a stream's do.
 * Rows of other requests (classifier calls, streams once released) pass straight through.
 */
export class DeliveryLogSink implements LogSink {
  /** Held request ids, with their row once it came. */
  private readonly held = new Map<string, LogRow | null>();
  /** Failures of deliveries that ended before their row came (it is written late: an estimate). */
  private readonly lateFailures = new Map<string, DeliveryFailure>();

  constructor(private readonly inner: LogSink) {}

  /** Holds the row of this request until `delivered`. */
  hold(requestId: string): void {
    this.held.set(requestId, null);
  }

  /** The answer went out (failure null) or did not: writes the held row, with the failure when one is given. */
  delivered(requestId: string, failure: DeliveryFailure | null): void {
    const row = this.held.get(requestId);
    if (row === undefined) return;
    this.held.delete(requestId);
    if (row) return this.inner.write(failure ? { ...row, ...failure } : row);
    if (!failure) return;
    if (this.lateFailures.size >= MAX_LATE_FAILURES) this.lateFailures.delete(this.lateFailures.keys().next().value!);
    this.lateFailures.set(requestId, failure);
  }

  write(record: LogRow): void {
    if (this.held.get(record.requestId) === null) {
      this.held.set(record.requestId, record);
      return;
    }
    const failure = this.lateFailures.get(record.requestId);
    if (failure) this.lateFailures.delete(record.requestId);
    this.inner.write(failure ? { ...record, ...failure } : record);
  }

  stats() {
    return this.inner.stats();
  }

  /** Writes every row still held (the server stopped while answers went out), then closes. */
  close(): Promise<void> {
    for (const id of [...this.held.keys()]) this.delivered(id, null);
    return this.inner.close();
  }
}
