/** The limits summary of a key's row says every count as saved, with the same thousands separators. */
import { expect, test } from 'bun:test';
import { LimitSummary } from '../../src/dashboard/components/limits-ui';

test('large rpm, tpm and in-flight limits read with separators alike ("1,000,000 parallel", not "1000000 parallel")', async () => {
  const html = await LimitSummary({ v: { models: null, budgetUsd: null, budgetPeriod: 'month', rpm: 1_050, tpm: 2_000_000, spendUsd: 0, maxParallel: 1_000_000 } });
  expect(String(html)).toContain('1,050 rpm · 2,000,000 tpm · 1,000,000 parallel');
});
