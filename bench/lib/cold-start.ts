/** Binary start to the first 200 on /health: with an existing database (a restart) and from an empty directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayEnv } from './gateway';
import { startGateway } from './gateway';
import { stop } from './processes';

export interface ColdStart {
  /** Existing database: what a restart or a deploy costs. */
  restartMedianMs: number;
  restartRunsMs: number[];
  /** Empty directory: creates the database, migrates, seeds (hashes the admin password). */
  firstStartMedianMs: number;
  firstStartRunsMs: number[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function once(binary: string, g: GatewayEnv): Promise<number> {
  const gw = await startGateway(binary, g);
  await stop(gw.proc);
  return gw.startMs;
}

/** `g` ends up holding a database (the first fresh start creates it there). */
export async function measureColdStart(binary: string, g: GatewayEnv, runs: number, freshRuns: number): Promise<ColdStart> {
  const firstStartRunsMs = [await once(binary, g)];
  for (let i = 1; i < freshRuns; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'gg-bench-fresh-'));
    const env = { ...g.env, HOME: dir, LLM_PROXY__DATABASE__PATH: join(dir, 'data', 'gophergate.db') };
    firstStartRunsMs.push(await once(binary, { dir, dbPath: env.LLM_PROXY__DATABASE__PATH, env }));
    rmSync(dir, { recursive: true, force: true });
  }
  const restartRunsMs: number[] = [];
  for (let i = 0; i < runs; i++) restartRunsMs.push(await once(binary, g));
  return { restartMedianMs: median(restartRunsMs), restartRunsMs, firstStartMedianMs: median(firstStartRunsMs), firstStartRunsMs };
}

