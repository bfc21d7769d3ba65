import { describe, expect, test } from 'bun:test';
import { ago, clockTime, compactNumber, duration, percent, tokens, usd, usdCents, usdExact } from '../../src/dashboard/format';
import { parseRange, rangeBounds } from '../../src/dashboard/usage-range';

describe('dashboard number formats carry units', () => {
  test.each([
    [0, '0'], [950, '950'], [1234, '1.2k'], [1000, '1k'], [312_400, '312k'], [2_500_000, '2.5M'], [7_000_000_000, '7B'],
    // A figure that rounds to 1,000 of a unit is one of the next: never "1000k" or "1000M".
    [999_499, '999k'], [999_500, '1M'], [999_950, '1M'], [999_999_999, '1B'], [999.5, '1k'],
  ])('compactNumber(%p) = %p', (n, s) => expect(compactNumber(n)).toBe(s));

  test.each([
    [0, '$0'], [0.0041, '$0.0041'], [0.00001666, '$0.000017'], [0.05, '$0.05'], [0.123, '$0.123'], [1.234, '$1.23'], [1234.5, '$1,235'],
    [999.999, '$1,000'], [999.99, '$999.99'],
    // Below $0.000001 (5 tokens of text-embedding-3-small) still decimals, never "$1.0e-7".
    [1e-7, '$0.0000001'], [2.5e-9, '$0.0000000025'], [-3e-8, '-$0.00000003'], [1e-300, '$0'],
    // Half-way decimals round up whatever their double: a log row's 19 * 0.15e-6 + 9 * 0.6e-6
    // (8.249999999999998e-6) reads as the totals' roundUsd'ed 8.25e-6 does.
    [19 * 0.15e-6 + 9 * 0.6e-6, '$0.0000083'], [8.25e-6, '$0.0000083'], [1.005, '$1.01'], [0.0125, '$0.013'], [-1.005, '-$1.01'],
  ])('usd(%p) = %p', (n, s) => expect(usd(n)).toBe(s));

  test.each([
    [1234.56, '$1,234.56'], [1000, '$1,000.00'], [0.05, '$0.05'], [0.005, '$0.005'], [12.345, '$12.345'], [0, '$0.00'], [2_500_000, '$2,500,000.00'],
    // Past six decimals, still the budget typed, never "$0.00".
    [1e-7, '$0.0000001'], [0.00000125, '$0.00000125'],
  ])('usdExact(%p) = %p (a budget as typed)', (n, s) => expect(usdExact(n)).toBe(s));

  test.each([
    [1234.567, '$1,234.57'], [1000, '$1,000.00'], [2.5, '$2.50'], [0.0041, '$0.0041'], [0, '$0'],
  ])('usdCents(%p) = %p (spend beside a budget)', (n, s) => expect(usdCents(n)).toBe(s));

  test('durations, percentages, tokens', () => {
    expect(duration(312.4)).toBe('312 ms');
    // The Usage page's mean overhead: under a millisecond is not "0 ms".
    expect(duration(0.36)).toBe('0.36 ms');
    expect(duration(2.5)).toBe('2.5 ms');
    expect(duration(4)).toBe('4 ms');
    expect(duration(0)).toBe('0 ms');
    expect(duration(9.999)).toBe('10 ms');
    expect(duration(1400)).toBe('1.4 s');
    expect(duration(90_000)).toBe('1.5 min');
    // Rounded up to the next unit's size, the figure is said in that unit.
    expect(duration(999.6)).toBe('1 s');
    expect(duration(59_960)).toBe('1 min');
    expect(percent(0)).toBe('0%');
    expect(percent(0.0312)).toBe('3.1%');
    expect(percent(0.5)).toBe('50%');
    // Some but few, and almost all, are never rounded to none or all.
    expect(percent(1 / 5000)).toBe('<0.1%');
    expect(percent(0.0005)).toBe('0.1%');
    expect(percent(0.9999)).toBe('>99.9%');
    expect(percent(0.996)).toBe('99.6%');
    expect(percent(0.42)).toBe('42%');
    expect(percent(1)).toBe('100%');
    expect(tokens(1)).toBe('1 token');
    expect(tokens(1200)).toBe('1.2k tokens');
  });

  test('clockTime: the time alone on the same UTC day, month-day and time on an earlier one', () => {
    const now = Date.UTC(2025, 0, 31, 0, 10);
    expect(clockTime(Date.UTC(2025, 0, 31, 0, 5, 9), now)).toBe('00:05:09');
    expect(clockTime(Date.UTC(2025, 0, 30, 23, 59, 59), now)).toBe('01-30 23:59:59');
    expect(clockTime(Date.UTC(2024, 11, 31, 14, 5, 9), now)).toBe('12-31 14:05:09');
  });

  test('ago', () => {
    const now = 1_000_000_000_000;
    expect(ago(null, now)).toBe('never');
    expect(ago(now - 10_000, now)).toBe('just now');
    expect(ago(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(ago(now - 3 * 3_600_000, now)).toBe('3 h ago');
  });
});

describe('usage range picker', () => {
  test('unknown keys fall back to 24 h; long ranges use daily buckets', () => {
    expect(parseRange('nope').key).toBe('24h');
    expect(parseRange('7d').bucket).toBe('hour');
    expect(parseRange('30d').bucket).toBe('day');
  });

  test('bounds are bucket-aligned and cover exactly the number of buckets shown', () => {
    const now = Date.UTC(2025, 0, 31, 14, 35);
    const { from, to } = rangeBounds(parseRange('24h'), now);
    expect(from % 3_600_000).toBe(0);
    expect(Math.ceil((to - from) / 3_600_000)).toBe(24);
    const d = rangeBounds(parseRange('30d'), now);
    expect(d.from % 86_400_000).toBe(0);
    expect(Math.ceil((d.to - d.from) / 86_400_000)).toBe(30);
  });
});
