import type { MonitorHub } from './monitor-hub';
import type { LogSink } from '../logging/log-sink-interface';
import type { LogRow } from '../logging/log-row';

type WithWritten = LogSink & { onWritten(cb: (records: readonly LogRow[]) => void): () => void };

/**
 * Feeds the monitor from a log sink. The worker sink reports batches once they are committed
 * (so the monitor never shows a row the logs will not have); any other sink (tests, the null
 * stand-in) is wrapped so each record is published as it is written.
 */
export function connectMonitor(sink: LogSink, monitor: MonitorHub): LogSink {
  if (typeof (sink as Partial<WithWritten>).onWritten === 'function') {
    (sink as WithWritten).onWritten((records) => {
      for (const r of records) monitor.publish(r);
    });
    return sink;
  }
  return {
    write(record) {
      sink.write(record);
      monitor.publish(record);
    },
    stats: () => sink.stats(),
    close: () => sink.close(),
  };
}
