/** RecentAdmissions: the last minute of rate-limited requests, put back into a Redis restarted empty. */
import { describe, expect, test } from 'bun:test';
import { RecentAdmissions } from '../../src/limits/recent-admissions';
import type { ScopeLimits } from '../../src/limits/limit-types';

const scope = (over: Partial<ScopeLimits>): ScopeLimits => ({ key: 'c:1', label: "key 'k'", allow: null, budgetUsd: null, period: 'month', rpm: null, tpm: null, maxParallel: null, ...over });

describe('RecentAdmissions', () => {
  test('keeps requests under an RPM or TPM limit for a minute after their admission or tokens, nothing else', () => {
    const r = new RecentAdmissions();
    const t = 1_000_000;
    r.add('budget-only', [scope({ budgetUsd: 1 })], t, 10, t, t);
    r.add('rpm', [scope({ rpm: 5 })], t, 10, t, t);
    r.add('tpm-late', [scope({ tpm: 100 })], t - 50_000, 10, t + 5_000, t + 5_000);
    expect(r.within(t + 1).map((e) => e.id)).toEqual(['rpm', 'tpm-late']);
    // A minute after its admission the RPM entry is gone; the tokens counted later stay their minute.
    expect(r.within(t + 60_000).map((e) => e.id)).toEqual(['tpm-late']);
    expect(r.within(t + 65_000)).toEqual([]);
  });

  test('a long run of requests keeps only the last minute', () => {
    const r = new RecentAdmissions();
    const s = [scope({ rpm: 1_000_000 })];
    for (let i = 0; i < 10_000; i++) r.add(`r${i}`, s, i * 100, 1, i * 100, i * 100);
    const kept = r.within(9_999 * 100);
    expect(kept.length).toBe(600);
    expect(kept[0]!.id).toBe('r9400');
  });
});
