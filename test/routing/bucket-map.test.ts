import { describe, expect, test } from 'bun:test';
import { bucketOf, bucketRanges, classifierSettingsOf } from '../../src/routing/bucket-map';

/** Expected target index for every score of the scale, in order. */
const cases: { scale: [number, number]; targets: number; threshold: number | null; expected: number[] }[] = [
  // 1-10
  { scale: [1, 10], targets: 2, threshold: null, expected: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1] },
  { scale: [1, 10], targets: 3, threshold: null, expected: [0, 0, 0, 1, 1, 1, 1, 2, 2, 2] },
  { scale: [1, 10], targets: 4, threshold: null, expected: [0, 0, 0, 1, 1, 2, 2, 2, 3, 3] },
  // The seeded dispatcher: threshold 10 leaves the 3-target buckets as they are.
  { scale: [1, 10], targets: 3, threshold: 10, expected: [0, 0, 0, 1, 1, 1, 1, 2, 2, 2] },
  // A lower threshold widens the strongest bucket.
  { scale: [1, 10], targets: 3, threshold: 5, expected: [0, 0, 0, 1, 2, 2, 2, 2, 2, 2] },
  { scale: [1, 10], targets: 2, threshold: 9, expected: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1] },
  { scale: [1, 10], targets: 4, threshold: 7, expected: [0, 0, 0, 1, 1, 2, 3, 3, 3, 3] },
  // 1-5
  { scale: [1, 5], targets: 2, threshold: null, expected: [0, 0, 0, 1, 1] },
  { scale: [1, 5], targets: 3, threshold: null, expected: [0, 0, 1, 2, 2] },
  { scale: [1, 5], targets: 4, threshold: null, expected: [0, 1, 1, 2, 3] },
  { scale: [1, 5], targets: 3, threshold: 3, expected: [0, 0, 2, 2, 2] },
  // A scale not starting at 1.
  { scale: [0, 9], targets: 3, threshold: null, expected: [0, 0, 0, 1, 1, 1, 1, 2, 2, 2] },
  // One target takes everything.
  { scale: [1, 10], targets: 1, threshold: null, expected: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
];

describe('bucketOf', () => {
  for (const c of cases) {
    const [min, max] = c.scale;
    test(`${c.targets} targets on ${min}-${max}, threshold ${c.threshold}`, () => {
      const got = Array.from({ length: max - min + 1 }, (_, i) => bucketOf(min + i, c.targets, { min, max, threshold: c.threshold }));
      expect(got).toEqual(c.expected);
    });
  }
  test('3 targets on 1-10 read as the seed table: 1-3, 4-7, 8-10', () => {
    expect(bucketRanges(3, { min: 1, max: 10 })).toEqual([[1, 3], [4, 7], [8, 10]]);
    expect(bucketRanges(2, { min: 1, max: 5 })).toEqual([[1, 3], [4, 5]]);
  });
  test('scores outside the scale clamp to its ends', () => {
    const s = { min: 1, max: 10, threshold: null };
    expect(bucketOf(-3, 3, s)).toBe(0);
    expect(bucketOf(42, 3, s)).toBe(2);
  });
});

describe('classifierSettingsOf', () => {
  test('defaults and overrides', () => {
    expect(classifierSettingsOf({})).toEqual({ model: null, min: 1, max: 10, threshold: null, timeoutMs: 3000 });
    expect(classifierSettingsOf({ classifier_model: 'openai/gpt-5.4-nano', scale_min: 1, scale_max: 5, threshold: 4, timeout_ms: 800 })).toEqual({
      model: 'openai/gpt-5.4-nano', min: 1, max: 5, threshold: 4, timeoutMs: 800,
    });
    // A broken scale falls back to 1-10 rather than dividing by zero.
    expect(classifierSettingsOf({ scale_min: 5, scale_max: 5 })).toMatchObject({ min: 1, max: 10 });
  });
});
