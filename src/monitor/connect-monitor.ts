import type { MonitorHub } from '../context';
import { isReportingSink, type LogSink } from '../logging/log-sink-interface';

/**
 * Feeds the monitor from a log sink. The worker sink reports batches once they are committed
 * (so the monitor never shows a row the logs will not have); any other sink (tests, the null
 * stand-in) is wrapped so each record is published as it is written.
 */
export function connectMonitor(sink: LogSink, monitor: MonitorHub): LogSink {
  if (isReportingSink(sink)) {
    sink.onWritten((records) => {
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
