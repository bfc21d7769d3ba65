/** The Usage page's range picker: a fixed menu keeps URLs short and queries on the rollups. */
export interface UsageRange {
  key: string;
  label: string;
  /** Length of the window, ms. */
  spanMs: number;
  /** Hourly rollups up to a week; daily beyond that keeps the chart readable. */
  bucket: 'hour' | 'day';
}

const H = 3_600_000;
export const RANGES: UsageRange[] = [
  { key: '24h', label: 'Last 24 hours', spanMs: 24 * H, bucket: 'hour' },
  { key: '7d', label: 'Last 7 days', spanMs: 7 * 24 * H, bucket: 'hour' },
  { key: '30d', label: 'Last 30 days', spanMs: 30 * 24 * H, bucket: 'day' },
  { key: '90d', label: 'Last 90 days', spanMs: 90 * 24 * H, bucket: 'day' },
];

export function parseRange(key: string | undefined): UsageRange {
  return RANGES.find((r) => r.key === key) ?? RANGES[0]!;
}

/** [from, to) in epoch ms; `from` is aligned to the bucket so the first bar is whole. */
export function rangeBounds(range: UsageRange, now = Date.now()): { from: number; to: number } {
  const step = range.bucket === 'hour' ? H : 24 * H;
  const from = Math.floor((now - range.spanMs) / step) * step + step;
  return { from, to: now + 1 };
}
