/**
 * Redis for tests: the machine's Redis 7 at 127.0.0.1:6379, a random key prefix per test file,
 * and a cleanup that deletes every key under it.
 */
import { RedisClient } from 'bun';

export const REDIS_URL = 'redis://127.0.0.1:6379';

export function randomPrefix(): string {
  return `gg-test-${crypto.randomUUID().slice(0, 8)}:`;
}

export function redisEnv(prefix: string, url = REDIS_URL, extra: Record<string, string> = {}): Record<string, string> {
  return { LLM_PROXY__REDIS__URL: url, LLM_PROXY__REDIS__PREFIX: prefix, ...extra };
}

/**
 * Options for a test's own RedisLink: quick reconnection, and a ping limit long enough that a
 * loaded machine's late event loop is not taken for a Redis that stopped answering (the link would
 * drop, and a notice or a fire-and-forget write sent meanwhile be missed). Connections cut or
 * closed are still seen at once; a test of a frozen Redis (SIGSTOP) sets its own short ping.
 */
export const TEST_LINK = { retryMs: 50, pingMs: 5_000 } as const;

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function deleteKeys(prefix: string): Promise<void> {
  const c = new RedisClient(REDIS_URL);
  await c.connect();
  let cursor = '0';
  do {
    const [next, keys] = (await c.send('SCAN', [cursor, 'MATCH', `${prefix}*`, 'COUNT', '500'])) as [string, string[]];
    cursor = next;
    if (keys.length) await c.send('DEL', keys);
  } while (cursor !== '0');
  c.close();
}

/** Polls `check` until it is true or `ms` passed; returns the last result. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000, stepMs = 25): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await Bun.sleep(stepMs);
  }
}
