/** The pool's choice and key states, without HTTP: weighted order, cooldowns, set-aside keys. */
import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../src/errors/api-error';
import { PROBE_HOLD_MS, ProviderKeyPool } from '../../src/key-pool/key-pool';
import { DEFAULT_COOLDOWN_MS, durationMs, namedRetryMs, resetWaitMs, retryAfterMs } from '../../src/key-pool/retry-after';
import type { PoolKey, ProviderSettings } from '../../src/providers/types';

const key = (id: string, weight = 1): PoolKey => ({ id, label: id, last4: id.slice(-4), weight, apiKey: `sk-${id}-secret` });
const settings = (...keys: PoolKey[]): ProviderSettings => ({ id: 'openai', enabled: true, baseUrl: 'http://x', apiKey: keys[0]?.apiKey, keys });
const upstream = (status: number, headers: Record<string, string> = {}) =>
  new UpstreamError('openai', status, `HTTP ${status}`, status === 429, undefined, 'upstream_error', headers);

function clocked(start = 1_700_000_000_000) {
  const clock = { now: start };
  return { clock, pool: new ProviderKeyPool(undefined, () => clock.now) };
}

describe('retry-after', () => {
  test('seconds, fractions, HTTP dates; 0 or a date past is "at once"; anything else is null', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('0.5', now)).toBe(500);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0); // past
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs('0', now)).toBe(0); // before: null, so the key rested the default 60 s
    expect(retryAfterMs(undefined, now)).toBeNull();
    // retry-after-ms first, as the SDKs read it; its 0 is a wait too.
    expect(namedRetryMs({ 'retry-after-ms': '0', 'retry-after': '1' }, now)).toBe(0);
    expect(namedRetryMs({ 'retry-after-ms': '20', 'retry-after': '1' }, now)).toBe(20);
    expect(namedRetryMs({ 'retry-after-ms': '', 'retry-after': '3' }, now)).toBe(3000);
    expect(namedRetryMs({}, now)).toBeNull();
  });

  test("OpenAI's reset durations; a limit not exhausted names no wait", () => {
    expect([durationMs('6m0s'), durationMs('1s'), durationMs('20ms'), durationMs('0s'), durationMs('1h2m3.5s'), durationMs('soon'), durationMs('')]).toEqual([360_000, 1000, 20, 0, 3_723_500, null, null]);
    expect(resetWaitMs(new Headers({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '20ms' }))).toBe(20);
    expect(resetWaitMs(new Headers({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '0s' }))).toBe(0);
    expect(resetWaitMs(new Headers({ 'x-ratelimit-remaining-tokens': '5', 'x-ratelimit-reset-tokens': '6m0s' }))).toBeNull();
    expect(resetWaitMs(new Headers({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '1m30s' }))).toBe(90_000);
  });
});

describe('ProviderKeyPool', () => {
  test('spreads by weight (3:1 -> 6 and 2 of every 8), then lists the other usable keys', () => {
    const { pool } = clocked();
    const s = settings(key('a', 1), key('b', 3));
    const firsts = Array.from({ length: 8 }, () => pool.order(s));
    expect(firsts.filter((o) => o[0]!.id === 'b').length).toBe(6);
    expect(firsts.filter((o) => o[0]!.id === 'a').length).toBe(2);
    for (const o of firsts) expect(o.map((k) => k.id).sort()).toEqual(['a', 'b']);
  });

  test('no keys: nothing to choose; one key: always that key', () => {
    const { pool } = clocked();
    expect(pool.order(settings())).toEqual([]);
    const only = key('only');
    pool.reportFailure('openai', only, upstream(401));
    expect(pool.order(settings(only))).toEqual([only]);
    expect(pool.stateOf('openai', 'only').state).toBe('set_aside');
  });

  test('429 cools a key for its retry-after, else 60 s; other failures leave it alone', () => {
    const { pool, clock } = clocked();
    const a = key('a');
    const b = key('b');
    const s = settings(a, b);
    pool.reportFailure('openai', a, upstream(429, { 'retry-after': '20' }));
    expect(pool.stateOf('openai', 'a')).toEqual({ state: 'cooling', until: clock.now + 20_000 });
    for (let i = 0; i < 4; i++) expect(pool.order(s).map((k) => k.id)).toEqual(['b']);
    clock.now += 20_000;
    expect(pool.stateOf('openai', 'a').state).toBe('active');
    // The first request after the cooldown probes it (first in its order); its answer makes it active.
    expect(pool.order(s).map((k) => k.id)).toEqual(['a', 'b']);
    pool.answered('openai', a);
    expect(pool.order(s).length).toBe(2);

    pool.reportFailure('openai', b, upstream(429));
    expect(pool.stateOf('openai', 'b')).toEqual({ state: 'cooling', until: clock.now + DEFAULT_COOLDOWN_MS });
    pool.reportFailure('openai', a, upstream(500));
    pool.reportFailure('openai', a, new Error('x'));
    expect(pool.stateOf('openai', 'a').state).toBe('active');
  });

  test('after a cooldown one request probes the key; the others keep to the other keys until it answers', () => {
    const { pool, clock } = clocked();
    const a = key('a', 5);
    const b = key('b');
    const s = settings(a, b);
    pool.reportFailure('openai', a, upstream(429, { 'retry-after': '20' }));
    clock.now += 20_000;
    // Ten requests choose keys at once: only the first gets the key just back (weight 5 or not).
    const orders = Array.from({ length: 10 }, () => pool.order(s).map((k) => k.id));
    expect(orders[0]).toEqual(['a', 'b']);
    for (const o of orders.slice(1)) expect(o).toEqual(['b']);
    expect(pool.stateOf('openai', 'a')).toEqual({ state: 'cooling', until: clock.now + PROBE_HOLD_MS, probe: true });

    // Refused again: a new cooldown replaces the probe's hold, and the next probe waits for its end.
    pool.reportFailure('openai', a, upstream(429, { 'retry-after': '5' }));
    expect(pool.stateOf('openai', 'a')).toEqual({ state: 'cooling', until: clock.now + 5_000 });
    clock.now += 5_000;
    expect(pool.order(s).map((k) => k.id)).toEqual(['a', 'b']);
    expect(pool.order(s).map((k) => k.id)).toEqual(['b']);
    // A probe that never reports back holds the key PROBE_HOLD_MS; then the next request probes.
    clock.now += PROBE_HOLD_MS;
    expect(pool.order(s).map((k) => k.id)).toEqual(['a', 'b']);
    expect(pool.order(s).map((k) => k.id)).toEqual(['b']);
    // Answered: active for everyone, the weights apply again.
    pool.answered('openai', a);
    expect(pool.stateOf('openai', 'a')).toEqual({ state: 'active' });
    const firsts = Array.from({ length: 6 }, () => pool.order(s)[0]!.id);
    expect(firsts.filter((id) => id === 'a').length).toBe(5);
    // An answer with a key that is cooling for real (a 429 another request got) does not end the cooldown.
    pool.reportFailure('openai', a, upstream(429, { 'retry-after': '30' }));
    pool.answered('openai', a);
    expect(pool.stateOf('openai', 'a').state).toBe('cooling');
  });

  test('every key cooling: the soonest back is still tried, a key held by a probe only when no other is cooling', () => {
    const { pool, clock } = clocked();
    const a = key('a');
    const b = key('b');
    pool.reportFailure('openai', a, upstream(429, { 'retry-after': '30' }));
    pool.reportFailure('openai', b, upstream(429, { 'retry-after': '10' }));
    expect(pool.order(settings(a, b)).map((k) => k.id)).toEqual(['b']);
    clock.now += 10_000;
    expect(pool.order(settings(a, b)).map((k) => k.id)).toEqual(['b']); // the probe
    expect(pool.order(settings(a, b)).map((k) => k.id)).toEqual(['a']); // not onto the probe
    const only = key('only');
    pool.reportFailure('openai', only, upstream(429, { 'retry-after': '3' }));
    expect(pool.order(settings(only))).toEqual([only]);
    clock.now += 3_000;
    expect(pool.order(settings(only))).toEqual([only]);
    expect(pool.order(settings(only))).toEqual([only]);
  });

  test('401/403 set a key aside until reset; with every key out, the soonest to cool is still tried', () => {
    const { pool, clock } = clocked();
    const a = key('a');
    const b = key('b');
    const c = key('c');
    const s = settings(a, b, c);
    pool.reportFailure('openai', a, upstream(401));
    pool.reportFailure('openai', b, upstream(403));
    clock.now += 24 * 3600_000;
    expect(pool.order(s).map((k) => k.id)).toEqual(['c']);
    pool.reportFailure('openai', c, upstream(429, { 'retry-after': '5' }));
    expect(pool.order(s).map((k) => k.id)).toEqual(['c']); // cooling beats set aside
    pool.reset('openai', 'a');
    expect(pool.order(s).map((k) => k.id)).toEqual(['a']);
  });

  test('a set-aside key that later answers a try sent after its 401 is active again; a try sent before the 401 does not count', () => {
    const { pool, clock } = clocked();
    const a = key('a');
    pool.reportFailure('openai', a, upstream(401));
    const before = clock.now - 1;
    clock.now += 1_000;
    pool.answered('openai', a, before); // sent before the 401, answered after it
    expect(pool.stateOf('openai', 'a').state).toBe('set_aside');
    pool.answered('openai', a); // a failure that is not the key's (a 500): proves nothing
    expect(pool.stateOf('openai', 'a').state).toBe('set_aside');
    pool.answered('openai', a, clock.now);
    expect(pool.stateOf('openai', 'a')).toEqual({ state: 'active' });
  });

  test('a key set aside is told once, by label and last four, never the key', () => {
    const told: string[] = [];
    const pool = new ProviderKeyPool(undefined, () => 1_700_000_000_000, (m) => told.push(m));
    const a = key('abcd1234');
    pool.reportFailure('openai', a, upstream(401));
    pool.reportFailure('openai', a, upstream(403)); // already set aside: not told again
    pool.reportFailure('openai', a, upstream(429));
    expect(told.length).toBe(1);
    expect(told[0]).toContain("'abcd1234' (…1234) of openai was refused with HTTP 401");
    expect(told[0]).not.toContain(a.apiKey);
  });

  test('a first key (a follow-up\'s maker) goes before the weighted pick, even cooling, never once set aside', () => {
    const { pool } = clocked();
    const a = key('a', 1);
    const b = key('b', 3);
    const c = key('c', 2);
    const s = settings(a, b, c);
    // The weighted pick would be b; a goes first, then the other usable keys by weight.
    expect(pool.order(s, 'a').map((k) => k.id)).toEqual(['a', 'b', 'c']);
    expect(pool.order(s, 'a').map((k) => k.id)).toEqual(['a', 'b', 'c']);
    pool.reportFailure('openai', a, upstream(429, { 'retry-after': '30' }));
    expect(pool.order(s, 'a').map((k) => k.id)).toEqual(['a', 'b', 'c']);
    pool.reportFailure('openai', c, upstream(429));
    expect(pool.order(s, 'a').map((k) => k.id)).toEqual(['a', 'b']);
    pool.reportFailure('openai', a, upstream(401));
    expect(pool.order(s, 'a').map((k) => k.id)).toEqual(['b']);
    // An id the provider no longer has is ignored.
    expect(pool.order(s, 'gone').map((k) => k.id)).toEqual(['b']);
    expect(pool.order(s, null).map((k) => k.id)).toEqual(['b']);
  });
});
