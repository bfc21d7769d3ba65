import type { LogSink } from './log-sink-interface';

/**
 * Names the serving instance on every record (request_logs.instance, and the monitor feed) on its
 * way to the sink; stats and close pass through.
 */
export function stampInstance(sink: LogSink, instance: string): LogSink {
  return {
    write(record) {
      record.instance ??= instance;
      sink.write(record);
    },
    stats: () => sink.stats(),
    close: () => sink.close(),
  };
}
