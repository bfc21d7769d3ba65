import { Type } from '@sinclair/typebox';
import { ConfigError, urlWithoutPassword } from './env-readers';

type Env = Record<string, string | undefined>;

/** LLM_PROXY__REDIS__*: shared state for several instances (off when no URL is set). */
export const RedisConfigSchema = Type.Object({
  url: Type.Optional(Type.String({ minLength: 1 })),
  prefix: Type.String({ minLength: 1 }),
});

/** LLM_PROXY__LIMITS__*: what limited keys get while the shared counters are unreachable. */
export const LimitsConfigSchema = Type.Object({
  failMode: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
});

export function readRedisConfig(env: Env): { url?: string; prefix: string } {
  const raw = env.LLM_PROXY__REDIS__URL?.trim();
  let url: string | undefined;
  if (raw) {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(`LLM_PROXY__REDIS__URL must be a URL such as redis://127.0.0.1:6379 (got "${urlWithoutPassword(raw)}").`);
    }
    if (!['redis:', 'rediss:', 'valkey:', 'valkeys:', 'redis+unix:'].includes(parsed.protocol))
      throw new ConfigError(`LLM_PROXY__REDIS__URL must use redis:// or rediss:// (got "${urlWithoutPassword(raw)}").`);
    // The path is the database number (a socket's path with redis+unix://); Bun's client refuses
    // anything else only once it connects, thrown where nothing could catch it.
    if (parsed.protocol !== 'redis+unix:' && !/^\/?\d{0,9}$/.test(parsed.pathname))
      throw new ConfigError(
        `LLM_PROXY__REDIS__URL: the database number after the port must be a whole number, such as redis://host:6379/2 (got "${parsed.pathname}" in "${urlWithoutPassword(raw)}").`,
      );
    url = raw;
  }
  // Trimmed as every other setting is: `PREFIX=team-a: ` in a .env file kept the space in every key.
  const prefix = env.LLM_PROXY__REDIS__PREFIX?.trim() ?? 'gophergate:';
  if (prefix === '') throw new ConfigError('LLM_PROXY__REDIS__PREFIX must not be empty (default "gophergate:").');
  return { url, prefix };
}

export function readLimitsConfig(env: Env): { failMode: 'open' | 'closed' } {
  const raw = env.LLM_PROXY__LIMITS__FAIL_MODE?.trim().toLowerCase();
  if (!raw) return { failMode: 'open' };
  if (raw !== 'open' && raw !== 'closed')
    throw new ConfigError(`LLM_PROXY__LIMITS__FAIL_MODE must be open or closed (got "${env.LLM_PROXY__LIMITS__FAIL_MODE}").`);
  return { failMode: raw };
}

/**
 * The start's warning for PostgreSQL without Redis: the instances share keys, settings and logs but
 * each counts limits alone, so a deployment that forgot LLM_PROXY__REDIS__URL on some (or all) of its
 * instances gives a key its limit once per instance, silently. Null when Redis is set or on SQLite.
 */
export function perInstanceLimitsWarning(databaseUrl: string | undefined, redisUrl: string | undefined): string | null {
  if (!databaseUrl || redisUrl) return null;
  return (
    'gophergate: PostgreSQL without LLM_PROXY__REDIS__URL: rate limits, budgets, max_parallel, circuits and provider key ' +
    'cooldowns are counted by this instance alone; if several instances serve this database, each allows a key its whole ' +
    'limit (N instances, N times it). Set LLM_PROXY__REDIS__URL (the same Redis) on every instance to share them.'
  );
}
