import { expect, test } from 'bun:test';
import { HEAP_GROWTH } from '../../src/startup/heap-growth';
import { runtimeEnvironmentMissing } from '../../src/startup/runtime-environment';

test('a process started with nothing lacks the fetch cap and both heap settings', () => {
  expect(runtimeEnvironmentMissing(16_384, {})).toEqual({
    BUN_CONFIG_MAX_HTTP_REQUESTS: '16640',
    BUN_JSC_heapGrowthMaxIncrease: '0.75',
    BUN_JSC_smallHeapGrowthFactor: '1.75',
  });
});

test('one started with all of them lacks nothing (no re-exec); a different cap is still wanted', () => {
  const all = { BUN_CONFIG_MAX_HTTP_REQUESTS: '16640', ...HEAP_GROWTH };
  expect(runtimeEnvironmentMissing(16_384, all)).toEqual({});
  expect(runtimeEnvironmentMissing(3, all)).toEqual({ BUN_CONFIG_MAX_HTTP_REQUESTS: '259' });
});

test("an operator's own heap setting is kept, even Bun's default or an empty value; only the other is added", () => {
  const env = { BUN_CONFIG_MAX_HTTP_REQUESTS: '16640', BUN_JSC_heapGrowthMaxIncrease: '2' };
  expect(runtimeEnvironmentMissing(16_384, env)).toEqual({ BUN_JSC_smallHeapGrowthFactor: '1.75' });
  expect(runtimeEnvironmentMissing(16_384, { ...env, BUN_JSC_smallHeapGrowthFactor: '' })).toEqual({});
});
