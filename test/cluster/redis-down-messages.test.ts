/**
 * What an operator reads on stderr when Redis is unreachable: at start, and when it goes away under
 * a running instance, the line says what limited keys get meanwhile (the fail mode), not only that
 * Redis is gone; the limit counters' own warnings reach stderr (before, main gave them nowhere to go).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { eventually } from '../helpers/redis-env';
import { startOwnRedis, type OwnRedis } from './own-redis';

setDefaultTimeout(60_000);

let dir: string;
let redis: OwnRedis;
const procs: GatewayProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gg-redis-messages-'));
  redis = await startOwnRedis();
});
afterAll(async () => {
  for (const p of procs) {
    p.proc.kill('SIGKILL');
    await p.proc.exited;
  }
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = async (name: string, env: Record<string, string>) => {
  const p = await startGatewayProcess({ cwd: dir, dbPath: join(dir, `${name}.db`), adminPassword: 'Sup3r-secret-pw!', env: { LLM_PROXY__REDIS__PREFIX: `gg-messages-${name}:`, ...env } });
  procs.push(p);
  return p;
};

test('Redis unreachable at start, fail mode closed: the warning says limited keys get 503 meanwhile', async () => {
  await redis.kill();
  try {
    const p = await start('at-start', { LLM_PROXY__REDIS__URL: redis.url, LLM_PROXY__LIMITS__FAIL_MODE: 'closed' });
    expect(await eventually(() => p.out().includes('is unreachable'), 10_000)).toBe(true);
    expect(p.out()).toContain('keys with limits get 503 limits_unavailable meanwhile (LLM_PROXY__LIMITS__FAIL_MODE=closed)');
  } finally {
    await redis.start();
  }
});

test('Redis lost under a running instance: stderr says limits are counted by each instance meanwhile, then that it is back', async () => {
  const p = await start('lost', { LLM_PROXY__REDIS__URL: redis.url });
  expect(await eventually(async () => ((await (await fetch(`${p.url}/health`)).json()) as { redis: string }).redis === 'ok', 10_000)).toBe(true);
  await redis.kill();
  expect(await eventually(() => p.out().includes('limits: Redis unreachable'), 10_000)).toBe(true);
  expect(p.out()).toContain("limits are enforced from each instance's own counters meanwhile (LLM_PROXY__LIMITS__FAIL_MODE=open)");
  await redis.start();
  expect(await eventually(() => p.out().includes('redis: connection restored'), 10_000)).toBe(true);
});
