/** The in-memory counters on their own: windows, budgets, periods, settling (a hand-moved clock). */
import { expect, test } from 'bun:test';
import { compileAllowList, isModelAllowed } from '../../src/limits/allow-list';
import { periodKey, periodStart } from '../../src/limits/budget-period';
import type { ScopeLimits } from '../../src/limits/limit-types';
import { boundedWorst } from '../../src/limits/admit-request';
import { MemoryLimitCounters } from '../../src/limits/memory-limit-counters';
import { formatDuration } from '../../src/limits/rate-headers';
import type { ModelEntry } from '../../src/providers/model-entry';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const scope = (over: Partial<ScopeLimits> = {}): ScopeLimits => ({
  key: 'c:1', label: "key 'k'", allow: null, budgetUsd: null, period: 'month', rpm: null, tpm: null, maxParallel: null, ...over,
});
let n = 0;
const admit = (c: MemoryLimitCounters, scopes: ScopeLimits[], now: number, worstCostUsd = 0, tokens = 0) =>
  c.admit({ requestId: `r${++n}`, scopes, worstCostUsd, tokens, now });

test('RPM lowered below what the window holds: the wait is until enough admissions left for one more, not until the oldest did', () => {
  const c = new MemoryLimitCounters();
  for (const at of [0, 10_000, 20_000, 30_000]) expect(admit(c, [scope({ rpm: 4 })], T0 + at).ok).toBe(true);
  // Lowered to 2: 4 in the window, so 3 must leave (the one admitted at +20 s is the third).
  const refused = admit(c, [scope({ rpm: 2 })], T0 + 40_000);
  expect(!refused.ok && [refused.reason, refused.retryAfterMs]).toEqual(['rpm', 40_000]);
  expect(!refused.ok && refused.message).toContain('Try again in 40s.');
  // Until then refused, as the wait said; then admitted.
  expect(admit(c, [scope({ rpm: 2 })], T0 + 79_999).ok).toBe(false);
  expect(admit(c, [scope({ rpm: 2 })], T0 + 80_000).ok).toBe(true);
});

test('RPM is a sliding window: N admitted, N+1 refused with the wait until the oldest leaves', () => {
  const c = new MemoryLimitCounters();
  const s = scope({ rpm: 3 });
  expect(admit(c, [s], T0).ok).toBe(true);
  expect(admit(c, [s], T0 + 10_000).ok).toBe(true);
  const third = admit(c, [s], T0 + 20_000);
  expect(third.ok && third.rate.requests).toEqual({ limit: 3, remaining: 0, resetMs: 60_000 });
  const refused = admit(c, [s], T0 + 30_000);
  expect(refused.ok).toBe(false);
  if (!refused.ok) expect([refused.reason, refused.retryAfterMs]).toEqual(['rpm', 30_000]);
  expect(admit(c, [s], T0 + 59_999).ok).toBe(false);
  expect(admit(c, [s], T0 + 60_000).ok).toBe(true);
});

test('TPM reserves the estimate and settles to the actual tokens', () => {
  const c = new MemoryLimitCounters();
  const s = scope({ tpm: 1000 });
  const a = c.admit({ requestId: 'big', scopes: [s], worstCostUsd: 0, tokens: 900, now: T0 });
  expect(a.ok && a.rate.tokens?.remaining).toBe(100);
  expect(admit(c, [s], T0 + 1, 0, 200).ok).toBe(false);
  c.settle('big', { costUsd: 0, tokens: 300, at: T0 }, T0 + 2);
  expect(admit(c, [s], T0 + 3, 0, 200).ok).toBe(true);
  const tooBig = admit(c, [s], T0 + 4, 0, 5000);
  expect(!tooBig.ok && tooBig.retryAfterMs).toBe(null);
});

test('budgets count spend plus outstanding reservations; settling frees the difference', () => {
  const c = new MemoryLimitCounters();
  const s = scope({ budgetUsd: 1 });
  c.seedSpend(s, 0.5, T0);
  expect(c.admit({ requestId: 'a', scopes: [s], worstCostUsd: 0.3, tokens: 0, now: T0 }).ok).toBe(true);
  const refused = admit(c, [s], T0, 0.3);
  expect(!refused.ok && refused.reason).toBe('budget');
  c.settle('a', { costUsd: 0.1, tokens: 0, at: T0 }, T0);
  expect(c.spend(s, T0)).toBeCloseTo(0.6);
  expect(admit(c, [s], T0, 0.3).ok).toBe(true);
});

test('a request that may reserve less (minCostUsd) whose worst case does not fit takes half the least room of its budgets, down to its minimum, atomically', () => {
  const c = new MemoryLimitCounters();
  const key = scope({ budgetUsd: 1 });
  const team = scope({ key: 't:1', budgetUsd: 2 });
  c.seedSpend(key, 0.5, T0);
  c.seedSpend(team, 0, T0);
  const ask = (id: string, worst: number, least: number) => c.admit({ requestId: id, scopes: [key, team], worstCostUsd: worst, minCostUsd: least, tokens: 0, now: T0 });
  // The key's $0.5 is the least room (the team has $2): half of it, in both scopes.
  const a = ask('m1', 9, 0.1);
  expect(a.ok && a.reservedUsd).toBeCloseTo(0.25, 12);
  expect(c.outstanding(team).reservedUsd).toBeCloseTo(0.25, 12);
  // Requests at once each take half of what is left: all make progress.
  const b = ask('m2', 9, 0.1);
  expect(b.ok && b.reservedUsd).toBeCloseTo(0.125, 12);
  // $0.125 left: half is below its minimum, which still fits (a request alone near the end is served).
  const m = ask('m3', 9, 0.1);
  expect(m.ok && m.reservedUsd).toBeCloseTo(0.1, 12);
  // $0.025 left: the minimum does not fit. Held: the spend alone leaves it room.
  const d = ask('m4', 9, 0.1);
  expect(!d.ok && [d.reason, d.budget]).toEqual(['budget', 'held']);
  expect(!d.ok && d.message).toContain('may cost up to $0.10.');
  expect(c.outstanding(key).reservedUsd).toBeCloseTo(0.475, 12);
  for (const id of ['m1', 'm2', 'm3']) c.settle(id, { costUsd: 0.05, tokens: 0, at: T0 }, T0);
  // $0.35 left. A worst case that fits is reserved whole, not halved; one that fits exactly too.
  const e = ask('m5', 0.05, 0.01);
  expect(e.ok && e.reservedUsd).toBe(0.05);
  const f = ask('m6', 0.3, 0.01);
  expect(f.ok && f.reservedUsd).toBe(0.3);
  expect(c.outstanding(key).reservedUsd).toBeCloseTo(0.35, 12);
});

test('a budget period rolls over to zero spend; a request of the old period settles outside the new one', () => {
  const c = new MemoryLimitCounters();
  const s = scope({ budgetUsd: 1, period: 'day' });
  c.seedSpend(s, 0.95, T0);
  expect(c.admit({ requestId: 'late', scopes: [s], worstCostUsd: 0.05, tokens: 0, now: T0 }).ok).toBe(true);
  expect(admit(c, [s], T0, 0.05).ok).toBe(false);
  const tomorrow = Date.parse('2026-03-11T00:00:00Z');
  expect(admit(c, [s], tomorrow, 0.5).ok).toBe(true);
  c.settle('late', { costUsd: 0.05, tokens: 0, at: T0 }, tomorrow);
  expect(c.spend(s, tomorrow)).toBe(0);
});

test('a period never turns back: a time before it (the clock stepped back at midnight) keeps the new day and its spend', () => {
  const c = new MemoryLimitCounters();
  const s = scope({ budgetUsd: 1, period: 'day' });
  const midnight = Date.parse('2026-03-11T00:00:00Z');
  c.seedSpend(s, 0, midnight);
  expect(c.admit({ requestId: 'new-day', scopes: [s], worstCostUsd: 0.5, tokens: 0, now: midnight + 1000 }).ok).toBe(true);
  c.settle('new-day', { costUsd: 0.4, tokens: 0, at: midnight + 1000 }, midnight + 1000);
  // Two seconds back: still yesterday by this clock. Judged against the new day; billed to none.
  expect(c.admit({ requestId: 'back', scopes: [s], worstCostUsd: 0.1, tokens: 0, now: midnight - 1000 }).ok).toBe(true);
  c.settle('back', { costUsd: 0.05, tokens: 0, at: midnight - 1000 }, midnight - 1000);
  expect(c.spend(s, midnight + 2000)).toBeCloseTo(0.4, 12);
  expect(admit(c, [s], midnight + 2000, 0.7).ok).toBe(false);
});

test('max_parallel counts requests in flight; a team scope refuses what the key would allow, without reserving in the key', () => {
  const c = new MemoryLimitCounters();
  const key = scope({ maxParallel: 5 });
  const team = scope({ key: 't:1', label: "team 't'", rpm: 1 });
  expect(c.admit({ requestId: 'p1', scopes: [key, team], worstCostUsd: 0, tokens: 0, now: T0 }).ok).toBe(true);
  const r = admit(c, [key, team], T0);
  expect(!r.ok && [r.reason, r.scope.key]).toEqual(['rpm', 't:1']);
  expect(c.outstanding(key).inFlight).toBe(1);
  const solo = scope({ key: 'c:2', maxParallel: 1 });
  expect(c.admit({ requestId: 'q1', scopes: [solo], worstCostUsd: 0, tokens: 0, now: T0 }).ok).toBe(true);
  expect(admit(c, [solo], T0).ok).toBe(false);
  c.settle('q1', { costUsd: 0, tokens: 0, at: T0 }, T0);
  expect(admit(c, [solo], T0).ok).toBe(true);
});

test('UTC periods and OpenAI-style durations', () => {
  const wed = Date.parse('2026-03-11T15:30:00Z');
  expect(new Date(periodStart('day', wed)).toISOString()).toBe('2026-03-11T00:00:00.000Z');
  expect(new Date(periodStart('week', wed)).toISOString()).toBe('2026-03-09T00:00:00.000Z');
  expect(new Date(periodStart('week', Date.parse('2026-03-15T23:00:00Z'))).toISOString()).toBe('2026-03-09T00:00:00.000Z');
  expect(new Date(periodStart('month', wed)).toISOString()).toBe('2026-03-01T00:00:00.000Z');
  expect(periodStart('total', wed)).toBe(0);
  expect(periodKey('day', wed)).not.toBe(periodKey('day', wed + 86_400_000));
  expect([formatDuration(20), formatDuration(1000), formatDuration(1500), formatDuration(360_000), formatDuration(61_000)])
    .toEqual(['20ms', '1s', '1.5s', '6m0s', '1m1s']);
});

test('allow-lists: exact ids, provider/* (also bare ids of that provider), group names, *', () => {
  const models = new Map<string, ModelEntry>([
    ['gpt-4o', { id: 'gpt-4o', provider: 'openai' } as ModelEntry],
    ['gemini-2.5-flash', { id: 'gemini-2.5-flash', provider: 'gemini' } as ModelEntry],
  ]);
  const list = compileAllowList(['gemini/*', 'fast-flow', 'ollama/llama3']);
  expect(isModelAllowed(list, 'gemini-2.5-flash', models)).toBe(true);
  expect(isModelAllowed(list, 'gemini/anything', models)).toBe(true);
  expect(isModelAllowed(list, 'fast-flow', models)).toBe(true);
  expect(isModelAllowed(list, 'ollama/llama3', models)).toBe(true);
  expect(isModelAllowed(list, 'ollama/mistral', models)).toBe(false);
  expect(isModelAllowed(list, 'gpt-4o', models)).toBe(false);
  expect(isModelAllowed(list, 'openai/gpt-4o', models)).toBe(false);
  expect(compileAllowList(['*'])).toBe(null);
  expect(compileAllowList(null)).toBe(null);
  expect(isModelAllowed(compileAllowList(['gpt-4o']), 'gpt-4o', models)).toBe(true);
});

test('a reservation whose log row never comes is freed after an hour, so it cannot hold a slot for ever', () => {
  const c = new MemoryLimitCounters();
  const s = scope({ key: 'c:9', maxParallel: 1, budgetUsd: 1 });
  expect(c.admit({ requestId: 'lost', scopes: [s], worstCostUsd: 0.5, tokens: 0, now: T0 }).ok).toBe(true);
  expect(admit(c, [s], T0 + 30 * 60_000).ok).toBe(false);
  expect(admit(c, [s], T0 + 61 * 60_000).ok).toBe(true);
  expect(c.settle('lost', { costUsd: 0.5, tokens: 0, at: T0 }, T0 + 62 * 60_000)).toBe(false);
});

test('a reservation kept alive (a followed background response) outlives the hour; once no longer kept alive, the sweep frees it an hour later', () => {
  const c = new MemoryLimitCounters();
  const s = scope({ key: 'c:10', maxParallel: 1, budgetUsd: 1 });
  expect(c.admit({ requestId: 'followed', scopes: [s], worstCostUsd: 0.5, tokens: 0, now: T0 }).ok).toBe(true);
  for (let m = 30; m <= 150; m += 30) c.keepAlive('followed', T0 + m * 60_000);
  // Two and a half hours after its admission, still held: the slot and the USD.
  expect(admit(c, [s], T0 + 151 * 60_000).ok).toBe(false);
  expect(c.outstanding(s)).toEqual({ reservedUsd: 0.5, inFlight: 1 });
  // A lost row is still freed: an hour after the last sign of life.
  expect(admit(c, [s], T0 + 209 * 60_000).ok).toBe(false);
  expect(admit(c, [s], T0 + 211 * 60_000).ok).toBe(true);
  expect(c.settle('followed', { costUsd: 0.5, tokens: 0, at: T0 }, T0 + 212 * 60_000)).toBe(false);
  c.keepAlive('never-admitted', T0); // nothing to keep: no error, nothing held
  expect(c.outstanding(scope({ key: 'c:11' }))).toEqual({ reservedUsd: 0, inFlight: 0 });
});

test('a request that ended before its row frees its max_parallel slot at once; the settle frees only the USD', () => {
  const c = new MemoryLimitCounters();
  const s = scope({ maxParallel: 1, budgetUsd: 10 });
  c.seedSpend(s, 0, T0);
  expect(c.admit({ requestId: 'ended', scopes: [s], worstCostUsd: 0.5, tokens: 0, now: T0 }).ok).toBe(true);
  expect(admit(c, [s], T0).ok).toBe(false);
  c.endFlight('ended');
  c.endFlight('ended'); // once only
  expect(c.outstanding(s)).toEqual({ reservedUsd: 0.5, inFlight: 0 });
  expect(c.admit({ requestId: 'next', scopes: [s], worstCostUsd: 0.5, tokens: 0, now: T0 }).ok).toBe(true);
  expect(c.settle('ended', { costUsd: 0.2, tokens: 0, at: T0 }, T0)).toBe(true);
  expect(c.outstanding(s)).toEqual({ reservedUsd: 0.5, inFlight: 1 });
  expect(c.spend(s, T0)).toBeCloseTo(0.2);
});

test('a worst case that is not a number is counted as one no budget admits: refused where a budget is, reserved and settled back to the cent where none is', () => {
  for (const bad of [NaN, Infinity, -1, Number.MAX_VALUE]) expect(boundedWorst(bad, 1e9)).toBe(1e9);
  expect(boundedWorst(0.25, 1e9)).toBe(0.25);
  const c = new MemoryLimitCounters();
  const budgeted = scope({ key: 'c:budget', budgetUsd: 1_000_000 });
  const refused = admit(c, [budgeted], T0, boundedWorst(NaN, 1e9));
  expect(refused.ok).toBe(false);
  if (!refused.ok) expect(refused.reason).toBe('budget');
  expect(c.outstanding(budgeted).reservedUsd).toBe(0);
  // No budget: admitted; a small request beside it keeps its cents, and both settle back to 0.
  const free = scope({ key: 'c:free' });
  expect(c.admit({ requestId: 'huge', scopes: [free], worstCostUsd: boundedWorst(NaN, 1e9), tokens: 0, now: T0 }).ok).toBe(true);
  expect(c.admit({ requestId: 'small', scopes: [free], worstCostUsd: 0.01, tokens: 0, now: T0 }).ok).toBe(true);
  expect(c.outstanding(free).reservedUsd).toBeCloseTo(1e9 + 0.01, 4);
  c.settle('huge', { costUsd: 0.02, tokens: 0, at: T0 }, T0 + 1);
  expect(c.outstanding(free).reservedUsd).toBeCloseTo(0.01, 4);
  c.settle('small', { costUsd: 0.01, tokens: 0, at: T0 }, T0 + 2);
  expect(c.outstanding(free).reservedUsd).toBe(0);
});

test('coverTry: a reservation grows by one try per billed try where every budget has the room, a refusal leaving no trace', () => {
  const c = new MemoryLimitCounters();
  const key = scope({ key: 'c:cover', budgetUsd: 10 });
  const team = scope({ key: 't:cover', budgetUsd: 7 });
  c.seedSpend(key, 0, T0);
  c.seedSpend(team, 0, T0);
  expect(c.admit({ requestId: 'cover', scopes: [key, team], worstCostUsd: 3, tokens: 0, now: T0 }).ok).toBe(true);
  // Nothing billed yet: the admission holds the first try.
  expect(c.coverTry('cover', 0, T0)).toBe(true);
  expect(c.outstanding(team).reservedUsd).toBe(3);
  // One billed try: two tries' worth, in the key and its team.
  expect(c.coverTry('cover', 1, T0)).toBe(true);
  expect([c.outstanding(key).reservedUsd, c.outstanding(team).reservedUsd]).toEqual([6, 6]);
  expect(c.coverTry('cover', 1, T0)).toBe(true); // asked again: already held
  expect(c.outstanding(key).reservedUsd).toBe(6);
  // A third try would pass the team's $7: refused, nothing grown in either scope.
  expect(c.coverTry('cover', 2, T0)).toBe(false);
  expect([c.outstanding(key).reservedUsd, c.outstanding(team).reservedUsd]).toEqual([6, 6]);
  // The row settles all of it.
  c.settle('cover', { costUsd: 5, tokens: 0, at: T0 }, T0);
  expect([c.outstanding(key).reservedUsd, c.spend(key, T0)]).toEqual([0, 5]);
  // No reservation (a key without limits), or no budget on it: nothing to hold.
  expect(c.coverTry('unknown', 3, T0)).toBe(true);
  expect(c.admit({ requestId: 'rpm-only', scopes: [scope({ key: 'c:rpm', rpm: 5 })], worstCostUsd: 3, tokens: 0, now: T0 }).ok).toBe(true);
  expect(c.coverTry('rpm-only', 5, T0)).toBe(true);
});
