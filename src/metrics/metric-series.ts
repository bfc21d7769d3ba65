import { ownCopy } from '../runtime/own-copy';

/**
 * Minimal in-memory Prometheus counters and histograms. The request path only does a Map
 * lookup and a few additions per record; all formatting happens when /metrics is scraped.
 */

/** Past this many label combinations a metric folds new ones into one `other` series, so a
 * client inventing model names (`openai/<anything>` is forwarded) cannot grow memory forever. */
export const MAX_SERIES_PER_METRIC = 2000;
export const OVERFLOW_LABEL = 'other';
/** Longest label value kept; longer ones are cut (with '…') so a scrape stays small and fast. */
export const MAX_LABEL_CHARS = 128;

/** A label value of bounded length (the common short value is returned as it is). */
export const boundLabel = (v: string): string => (v.length > MAX_LABEL_CHARS ? ownCopy(`${v.slice(0, MAX_LABEL_CHARS - 1)}…`) : v);

/**
 * The first `max` distinct values of a label that clients or upstreams choose (a model name
 * outside the models table, an upstream's error code) keep their own series; later ones are
 * counted as `other`. So such a label adds at most `max` series, whatever is sent.
 */
export class LabelBudget {
  private readonly seen = new Set<string>();
  /** `always`: values labelled as they are, outside the budget (they are few and known). */
  constructor(readonly max: number, private readonly always: ReadonlySet<string> = new Set()) {}

  label(v: string): string {
    if (this.seen.has(v) || this.always.has(v)) return v;
    if (this.seen.size >= this.max) return OVERFLOW_LABEL;
    this.seen.add(v);
    return v;
  }
}

const anyTooLong = (labels: readonly string[]) => {
  for (const l of labels) if (l.length > MAX_LABEL_CHARS) return true;
  return false;
};

// A separator that cannot appear in a sane label value keeps the series key one string.
const SEP = '\u0001';

interface Series<V> {
  labels: readonly string[];
  value: V;
}

abstract class LabelledMetric<V> {
  protected readonly series = new Map<string, Series<V>>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  protected abstract fresh(): V;

  /**
   * The value of one label combination (created on first use; past MAX_SERIES_PER_METRIC the
   * shared `other` series). Callers may keep it and update it directly: series are never removed.
   */
  seriesFor(labels: readonly string[]): V {
    if (anyTooLong(labels)) labels = labels.map(boundLabel);
    const key = labels.length === 1 ? labels[0] : labels.join(SEP);
    let s = this.series.get(key);
    if (s) return s.value;
    if (this.series.size >= MAX_SERIES_PER_METRIC) return this.overflow();
    s = { labels: labels.slice(), value: this.fresh() };
    this.series.set(key, s);
    return s.value;
  }

  private overflow(): V {
    const labels = this.labelNames.map(() => OVERFLOW_LABEL);
    const key = labels.join(SEP);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, value: this.fresh() };
      this.series.set(key, s);
    }
    return s.value;
  }

  entries(): Iterable<Series<V>> {
    return this.series.values();
  }
}

export class Counter extends LabelledMetric<{ n: number }> {
  readonly type = 'counter';
  protected fresh() {
    return { n: 0 };
  }
  inc(labels: readonly string[], by = 1): void {
    this.seriesFor(labels).n += by;
  }
}

export interface HistogramValue {
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class Histogram extends LabelledMetric<HistogramValue> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    /** Upper bounds in ascending order, without +Inf. */
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  protected fresh(): HistogramValue {
    return { counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
  }

  observe(labels: readonly string[], v: number): void {
    this.observeInto(this.seriesFor(labels), v);
  }

  /** Adds an observation to a series value got from seriesFor. */
  observeInto(h: HistogramValue, v: number): void {
    const b = this.buckets;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    h.counts[i]++;
    h.sum += v;
    h.count++;
  }
}
