/**
 * Classifier settings as stored in a classifier group's `settings` (JSON, snake_case because
 * the dashboard edits them as-is):
 * - `classifier_model`: `provider/model` or a bare model id (routed to its own provider).
 * - `scale_min` / `scale_max`: the rating scale, default 1-10.
 * - `threshold`: a score at or above it always goes to the last (strongest) target. It can only
 *   widen the top bucket, never narrow it; unset (or above `scale_max`) leaves the proportional
 *   buckets alone. The seeded dispatcher uses 10, which on 1-10 with three targets changes nothing.
 * - `timeout_ms`: the classifier call's own deadline, default 3000, at most 600000 (a larger one,
 *   saved before the limit, counts as the limit: timers past 2^31 - 1 ms fire at once); past it
 *   the heuristic decides.
 */
export interface ClassifierSettings {
  model: string | null;
  min: number;
  max: number;
  threshold: number | null;
  timeoutMs: number;
}

export const DEFAULT_CLASSIFIER_TIMEOUT_MS = 3000;
/** Ten minutes, the upstream header timeout's default: no classifier should be waited on longer. */
export const MAX_CLASSIFIER_TIMEOUT_MS = 600_000;

const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

export function classifierSettingsOf(settings: Record<string, unknown>): ClassifierSettings {
  let min = int(settings.scale_min) ?? 1;
  let max = int(settings.scale_max) ?? 10;
  if (max <= min) [min, max] = [1, 10];
  const t = settings.threshold;
  const timeout = settings.timeout_ms;
  return {
    model: typeof settings.classifier_model === 'string' && settings.classifier_model ? settings.classifier_model : null,
    min,
    max,
    threshold: typeof t === 'number' && Number.isFinite(t) ? t : null,
    timeoutMs: typeof timeout === 'number' && timeout > 0 ? Math.min(timeout, MAX_CLASSIFIER_TIMEOUT_MS) : DEFAULT_CLASSIFIER_TIMEOUT_MS,
  };
}

/**
 * Maps a score to a target index by splitting the scale proportionally: bucket k ends at
 * `round(span * (k+1) / n)` points into the scale. Three targets on 1-10 give 1-3, 4-7, 8-10
 * (the seed's dispatcher table); two give 1-5, 6-10.
 */
export function bucketOf(score: number, targetCount: number, s: Pick<ClassifierSettings, 'min' | 'max' | 'threshold'>): number {
  const n = Math.max(1, targetCount);
  if (s.threshold !== null && score >= s.threshold) return n - 1;
  const span = s.max - s.min + 1;
  const pos = Math.min(span, Math.max(1, Math.round(score) - s.min + 1));
  for (let k = 0; k < n; k++) if (pos <= Math.round((span * (k + 1)) / n)) return k;
  return n - 1;
}

/** Inclusive score ranges of every bucket, for the dashboard and the decision's reason. */
export function bucketRanges(targetCount: number, s: Pick<ClassifierSettings, 'min' | 'max'>): [number, number][] {
  const span = s.max - s.min + 1;
  const out: [number, number][] = [];
  let start = 1;
  for (let k = 0; k < targetCount; k++) {
    const end = Math.round((span * (k + 1)) / targetCount);
    out.push([s.min + start - 1, s.min + end - 1]);
    start = end + 1;
  }
  return out;
}
