import type { LogSink } from '../logging/log-sink-interface';
import type { LogRow } from '../logging/log-row';
import type { StateStore } from '../state/state-store';
import type { LimitsService } from './limits-service';

/**
 * A LogSink decorator: each request's one log row settles its limit reservation (actual cost and
 * tokens, slot freed) on its way to the writer. Every endpoint and every outcome (answers, cut
 * streams, upstream errors, refusals) leaves exactly one row, so this is the one settle point.
 */
export class LimitsLogSink implements LogSink {
  constructor(
    private readonly inner: LogSink,
    private readonly limits: LimitsService,
    private readonly state: StateStore,
  ) {}

  write(record: LogRow): void {
    try {
      this.limits.onRecord(record, this.state.getSnapshot());
    } catch (err) {
      // Never lose the row over a counter bug; the row is what accounting relies on.
      console.error('[gophergate] settling limits:', (err as Error)?.message ?? err);
    }
    this.inner.write(record);
  }

  stats() {
    return this.inner.stats();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
