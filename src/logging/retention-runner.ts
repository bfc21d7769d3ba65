import type { LogWriter } from './log-writer';
import { DAY_MS } from './rollup-tables';

export { DAY_MS };

/**
 * Deletes raw rows older than the retention window in small steps, yielding to the event loop
 * between steps so log batches queued behind it are written without waiting for the whole purge.
 * Every rollup table stays: charts past the window read them.
 */
export async function runRetention(
  writer: LogWriter,
  opts: { retentionDays: number; batch: number; now?: number; shouldStop?: () => boolean },
): Promise<number> {
  if (!(opts.retentionDays > 0)) return 0;
  const cutoff = (opts.now ?? Date.now()) - opts.retentionDays * DAY_MS;
  let total = 0;
  for (;;) {
    if (opts.shouldStop?.()) return total;
    const n = writer.deleteOlderThan(cutoff, opts.batch);
    total += n;
    if (n < opts.batch) return total;
    await new Promise((r) => setTimeout(r, 0));
  }
}
