import { expect, test } from 'bun:test';
import { fdLimitWarning, raiseOpenFileLimit, requestsFdsAllow } from '../../src/runtime/fd-limit';
import { runtimeFetchCap, wantedFetchCap } from '../../src/runtime/fetch-cap';

test('the warning names the limit, what fits (two descriptors per request) and the setting; none when it fits', () => {
  expect(requestsFdsAllow({ soft: 20_000, hard: 20_000 })).toBe(9968);
  const w = fdLimitWarning({ soft: 20_000, hard: 20_000 }, 16_384)!;
  expect(w).toContain('the open-file limit is 20000');
  expect(w).toContain('about 9968 requests fit, below LLM_PROXY__UPSTREAM__MAX_CONNECTIONS=16384');
  expect(fdLimitWarning({ soft: 40_000, hard: 40_000 }, 16_384)).toBeNull();
  expect(fdLimitWarning({ soft: Infinity, hard: Infinity }, 65_279)).toBeNull();
  expect(fdLimitWarning(null, 16_384)).toBeNull();
});

test.skipIf(process.platform !== 'linux')('the limit read through libc is the one /proc reports, soft raised to hard', async () => {
  const limit = raiseOpenFileLimit()!;
  const line = (await Bun.file('/proc/self/limits').text()).split('\n').find((l) => l.startsWith('Max open files'))!;
  const [, soft, hard] = /Max open files\s+(\S+)\s+(\S+)/.exec(line)!;
  const num = (v: string) => (v === 'unlimited' ? Infinity : Number(v));
  expect(limit).toEqual({ soft: num(soft!), hard: num(hard!) });
  expect(limit.soft).toBe(limit.hard);
});

test("the runtime's fetch cap is read as Bun reads it: 1..65535, else Bun's default 256", () => {
  expect(wantedFetchCap(16_384)).toBe(16_640);
  expect(runtimeFetchCap({ BUN_CONFIG_MAX_HTTP_REQUESTS: '16640' })).toBe(16_640);
  expect(runtimeFetchCap({})).toBe(256);
  expect(runtimeFetchCap({ BUN_CONFIG_MAX_HTTP_REQUESTS: '70000' })).toBe(256);
  expect(runtimeFetchCap({ BUN_CONFIG_MAX_HTTP_REQUESTS: 'lots' })).toBe(256);
});
