/**
 * Every dollar amount of a budget refusal by one rule (usdText): six significant digits, trailing
 * zeros dropped, cents once there is a fraction; so a tiny budget and its spend compare honestly.
 */
import { expect, test } from 'bun:test';
import { refusalMessage, usdText } from '../../src/limits/refusal-message';
import type { ScopeLimits } from '../../src/limits/limit-types';

test.each([
  [0, '$0'],
  [0.00001, '$0.00001'],
  [0.0000028 * 3, '$0.0000084'],
  [0.0000099999999, '$0.00001'],
  [0.1 + 0.2, '$0.30'],
  [5, '$5'],
  [12.5, '$12.50'],
  [4.99987, '$4.99987'],
  [1234.5678, '$1234.57'],
  [123456.78, '$123456.78'],
  [1e-9, '$0.000000001'],
])('usdText(%p) is %p', (n, text) => {
  expect(usdText(n)).toBe(text);
});

test('a budget refusal writes the budget, spend, reservations and worst case alike', () => {
  const limits = { label: "key 'tiny'", budgetUsd: 0.00001, period: 'day' } as ScopeLimits;
  const facts = { tokens: 40, worstCostUsd: 0.0000042, waitMs: null, tokensInUse: 0, spentUsd: 0.0000084, reservedUsd: 0 };
  expect(refusalMessage('budget', limits, facts)).toBe(
    "Budget exceeded for key 'tiny': $0.00001 per day; spent $0.0000084, $0 reserved by requests in flight, this request may cost up to $0.0000042.",
  );
});
