/**
 * `bun run bench --cluster`: the gateway on PostgreSQL + Redis (what a multi-instance deployment
 * runs, one instance here) instead of SQLite. A throwaway database on the machine's PostgreSQL
 * (127.0.0.1:5432, or BENCH_PG_URL) and a random Redis prefix (127.0.0.1:6379, or BENCH_REDIS_URL),
 * both removed at the end. Loopback only.
 */
import { RedisClient, SQL } from 'bun';

const PG_SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ClusterStore {
  env: Record<string, string>;
  createClientKey(limited: boolean): Promise<string>;
  countLogRows(): Promise<{ rows: number; byStatus: Record<string, number> }>;
  close(): Promise<void>;
}

export async function createClusterStore(): Promise<ClusterStore> {
  const name = `gg_bench_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new SQL({ url: PG_SERVER, max: 1 });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  await admin.close();
  const u = new URL(PG_SERVER);
  u.pathname = `/${name}`;
  const url = u.toString();
  const prefix = `gg-bench-${crypto.randomUUID().slice(0, 8)}:`;
  const db = new SQL({ url, max: 1 });
  return {
    env: { LLM_PROXY__DATABASE__URL: url, LLM_PROXY__REDIS__URL: REDIS, LLM_PROXY__REDIS__PREFIX: prefix },
    async createClientKey(limited) {
      const key = `gg-bench-${crypto.randomUUID()}`;
      const hash = new Bun.CryptoHasher('sha256').update(key).digest('hex');
      await db`INSERT INTO clients (name, key_hash, key_prefix, created_at) VALUES ('bench', ${hash}, ${key.slice(0, 12)}, ${Date.now()})`;
      if (limited) {
        await db.unsafe(
          `UPDATE clients SET models = '["openai-auto","openai/*"]', budget_usd = 1000000, budget_period = 'month', rpm = 100000000, tpm = 1000000000, max_parallel = 100000 WHERE key_hash = $1`,
          [hash],
        );
      }
      return key;
    },
    async countLogRows() {
      const byStatus: Record<string, number> = {};
      let rows = 0;
      for (const r of (await db`SELECT status, count(*)::int AS n FROM request_logs GROUP BY status`) as { status: number; n: number }[]) {
        byStatus[r.status] = r.n;
        rows += r.n;
      }
      return { rows, byStatus };
    },
    async close() {
      await db.close();
      const a = new SQL({ url: PG_SERVER, max: 1 });
      await a.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.close();
      const r = new RedisClient(REDIS);
      await r.connect();
      let cursor = '0';
      do {
        const [next, keys] = (await r.send('SCAN', [cursor, 'MATCH', `${prefix}*`, 'COUNT', '500'])) as [string, string[]];
        cursor = next;
        if (keys.length) await r.send('DEL', keys);
      } while (cursor !== '0');
      r.close();
    },
  };
}

/**
 * CPU time (ms) used so far by every PostgreSQL and Redis server process on the machine (Linux
 * /proc, 100 ticks a second): the part of a cluster request's cost the gateway's own CPU figure
 * leaves out. Only meaningful on a machine where nothing else uses them meanwhile.
 */
export function storeServersCpuMs(): number {
  const { readdirSync, readFileSync } = require('node:fs') as typeof import('node:fs');
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== 'postgres' && comm !== 'redis-server') continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    } catch {
      // gone meanwhile
    }
  }
  return ticks * 10;
}
