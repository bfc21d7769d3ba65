/**
 * Several gateways in one test process sharing one Redis prefix (and, where the test needs the
 * same rows, one SQLite file: WAL lets both open it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type GatewayOptions, type TestGateway } from '../helpers/start-gateway';
import { deleteKeys, randomPrefix, redisEnv, REDIS_URL } from '../helpers/redis-env';

export interface Cluster {
  prefix: string;
  nodes: TestGateway[];
  close(): Promise<void>;
}

export async function startCluster(
  n: number,
  opts: { env?: Record<string, string>; sharedDb?: boolean; redisUrl?: string; each?: (i: number) => GatewayOptions } = {},
): Promise<Cluster> {
  const prefix = randomPrefix();
  const dir = mkdtempSync(join(tmpdir(), 'gophergate-cluster-'));
  const db: Record<string, string> = opts.sharedDb ? { LLM_PROXY__DATABASE__PATH: join(dir, 'shared.db') } : {};
  const nodes: TestGateway[] = [];
  // One after the other: the first creates and migrates a shared database.
  for (let i = 0; i < n; i++) {
    const own = opts.each?.(i);
    // `each`'s env (an instance id) on top of the shared one.
    nodes.push(await startGateway({ ...own, env: { ...redisEnv(prefix, opts.redisUrl ?? REDIS_URL), ...opts.env, ...db, ...own?.env } }));
  }
  return {
    prefix,
    nodes,
    async close() {
      for (const gw of nodes) await gw.close();
      rmSync(dir, { recursive: true, force: true });
      await deleteKeys(prefix);
    },
  };
}
