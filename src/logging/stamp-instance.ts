import type { LogSink } from './log-sink-interface';
import type { LogRow } from './log-row';

/**
 * Names the serving instance on every record (request_logs.instance, and the monitor feed) on its
 * way to the sink; other methods (stats, close, onWritten) pass through.
 */
export function stampInstance<S extends LogSink>(sink: S, instance: string): S {
  return new Proxy(sink, {
    get(target, prop, receiver) {
      if (prop === 'write') {
        return (record: LogRow) => {
          record.instance ??= instance;
          target.write(record);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
