/**
 * What the killed-instance tests share: gateway PROCESSES (each killable with SIGKILL) on one
 * PostgreSQL database and one Redis server of the test's own, a fake DeepSeek whose streams the
 * test holds open (held-streams.ts), a Redis client and a PostgreSQL client to read what they left.
 */
import { RedisClient, SQL } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heldDeepSeekStreams, type HeldStreams } from '../helpers/held-streams';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { redisEnv } from '../helpers/redis-env';
import { startOwnRedis, type OwnRedis } from './own-redis';

export interface KilledInstanceRig {
  streams: HeldStreams;
  redis: OwnRedis;
  /** A client of the rig's Redis. */
  r: RedisClient;
  db: TestDatabase;
  /** A client of the rig's database. */
  pg: SQL;
  /** A gateway process on the rig's database and Redis, its LLM_PROXY__INSTANCE_ID `id` (`env`: more variables). */
  start(id: string, env?: Record<string, string>): Promise<GatewayProcess>;
  /** The origins the instances beat under in Redis (`<prefix>lim:instances`), sorted. */
  instances(): Promise<string[]>;
  /** Kills `procs` (SIGKILL) and takes everything else down. */
  close(procs: readonly (GatewayProcess | undefined)[]): Promise<void>;
}

export async function killedInstanceRig(o: { prefix: string; dbPrefix: string; adminPassword: string }): Promise<KilledInstanceRig> {
  const streams = heldDeepSeekStreams();
  const dir = mkdtempSync(join(tmpdir(), 'gg-killed-'));
  const redis = await startOwnRedis();
  const r = new RedisClient(redis.url);
  await r.connect();
  const db = await createTestDatabase(o.dbPrefix);
  const pg = new SQL({ url: db.url, max: 2 });
  return {
    streams, redis, r, db, pg,
    start: (id, env) =>
      startGatewayProcess({
        cwd: dir, dbPath: join(dir, 'unused.db'), adminPassword: o.adminPassword,
        env: {
          ...redisEnv(o.prefix, redis.url),
          LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: id,
          LLM_PROXY__PROVIDERS__DEEPSEEK__BASE_URL: streams.fake.url, DEEPSEEK_API_KEY: 'sk-killed-provider-0123456789',
          ...env,
        },
      }),
    instances: async () => ((await r.send('SMEMBERS', [`${o.prefix}lim:instances`])) as string[]).sort(),
    async close(procs) {
      streams.release();
      const up = procs.filter((p): p is GatewayProcess => p !== undefined);
      for (const p of up) p.proc.kill('SIGKILL');
      await Promise.all(up.map((p) => p.proc.exited));
      r.close();
      await pg.close();
      await db.drop();
      await redis.close();
      streams.fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
