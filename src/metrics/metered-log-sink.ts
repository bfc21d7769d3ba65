import type { LogSink } from '../logging/log-sink-interface';
import type { LogRow } from '../logging/log-row';
import { GatewayMetrics } from './gateway-metrics';

/**
 * A LogSink decorator: counts each record into the metrics, then hands it to the real sink.
 * Hooking here rather than in the proxy means every endpoint that logs is measured, with the
 * same numbers as its log row. A metrics bug must never lose a log row, hence the try.
 */
export class MeteredLogSink implements LogSink {
  constructor(
    private readonly inner: LogSink,
    readonly metrics: GatewayMetrics = new GatewayMetrics(),
  ) {}

  write(record: LogRow): void {
    try {
      this.metrics.observe(record);
    } catch {
      // Metrics are best effort; the row below is what accounting relies on.
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
