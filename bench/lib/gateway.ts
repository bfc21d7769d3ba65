/** The gateway binary under test: a temp directory, a temp database, a client key. */
import { Database } from 'bun:sqlite';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { freePort, stop, waitFor200 } from './processes';
import { body } from './scenarios';

export interface GatewayEnv {
  dir: string;
  dbPath: string;
  env: Record<string, string>;
}

/** Everything on: client-key auth, a heuristic group, usage accounting and the log writer. */
export function gatewayEnv(upstreamPort: number): GatewayEnv {
  const dir = mkdtempSync(join(tmpdir(), 'gg-bench-'));
  const dbPath = join(dir, 'data', 'gophergate.db');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    LLM_PROXY__SERVER__HOST: '127.0.0.1',
    LLM_PROXY__DATABASE__PATH: dbPath,
    LLM_PROXY__ENCRYPTION_KEY: 'b7'.repeat(32),
    LLM_PROXY__ADMIN__PASSWORD: 'bench-admin-password',
    LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
    LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-bench-upstream',
  };
  return { dir, dbPath, env };
}

export interface Gateway {
  proc: Subprocess<'ignore', any, any>;
  port: number;
  /** Milliseconds from spawn to the first 200 on /health. */
  startMs: number;
}

/** Spawns the binary in `dir` and waits (polling every millisecond) for /health to answer 200. */
export async function startGateway(binary: string, g: GatewayEnv, timeoutMs = 15_000): Promise<Gateway> {
  const port = freePort();
  const t0 = performance.now();
  // Output goes to a file: an unread pipe would block the gateway once its buffer filled.
  const log = join(g.dir, 'gateway.err.log');
  const proc = Bun.spawn([binary], { cwd: g.dir, env: { ...g.env, LLM_PROXY__SERVER__PORT: String(port) }, stdin: 'ignore', stdout: Bun.file(join(g.dir, 'gateway.out.log')), stderr: Bun.file(log) });
  const url = `http://127.0.0.1:${port}/health`;
  const deadline = t0 + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then((r) => (r.body?.cancel(), r.status === 200), () => false);
    if (ok) return { proc, port, startMs: performance.now() - t0 };
    if (proc.exitCode !== null) throw new Error(`gateway exited with ${proc.exitCode}: ${await Bun.file(log).text()}`);
    if (performance.now() > deadline) throw new Error('gateway did not answer /health in time');
    await Bun.sleep(1);
  }
}

/**
 * The binary on a database of its own with a client key in it: a first start creates, migrates and
 * seeds the database (then stops), the key goes in, and the second start is the one to measure.
 */
export async function startWithClientKey(binary: string, g: GatewayEnv): Promise<{ gw: Gateway; key: string }> {
  await stop((await startGateway(binary, g)).proc);
  const key = createClientKey(g.dbPath);
  return { gw: await startGateway(binary, g), key };
}

/** Inserts a client the way the admin API would (only the SHA-256 hex of the key is stored). */
export function createClientKey(dbPath: string, limited = false): string {
  const key = `gg-bench-${crypto.randomUUID()}`;
  const hash = new Bun.CryptoHasher('sha256').update(key).digest('hex');
  const db = new Database(dbPath);
  db.exec('PRAGMA busy_timeout = 5000');
  db.query('INSERT INTO clients (name, key_hash, key_prefix, revoked, created_at) VALUES (?, ?, ?, 0, ?)').run('bench', hash, key.slice(0, 12), Date.now());
  // Limits every request is checked against and none reaches: their cost, not their refusals.
  if (limited) {
    db.query(
      `UPDATE clients SET models = '["openai-auto","openai/*"]', budget_usd = 1000000, budget_period = 'month', rpm = 100000000, tpm = 1000000000, max_parallel = 100000 WHERE key_hash = ?`,
    ).run(hash);
  }
  db.close();
  return key;
}


/**
 * The gateway picks a new client key up within a second (snapshot reload); waits for that, then
 * returns the first model name that answers: the heuristic group, else `openai/<model>`.
 */
export async function pickModel(port: number, key: string, candidates: string[]): Promise<string> {
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  await waitFor200(`http://127.0.0.1:${port}/v1/models`, 10_000, { headers });
  const failures: string[] = [];
  for (const model of candidates) {
    const res = await fetch(url, { method: 'POST', headers, body: body(model, false) });
    const text = await res.text();
    if (res.status === 200) return model;
    failures.push(`${model}: ${res.status} ${text.slice(0, 200)}`);
  }
  throw new Error(`no model answered through the gateway:\n${failures.join('\n')}`);
}

/** Rows in request_logs (read after the gateway drained and exited). */
export function countLogRows(dbPath: string): { rows: number; byStatus: Record<string, number> } {
  const db = new Database(dbPath, { readonly: true });
  const byStatus: Record<string, number> = {};
  let rows = 0;
  for (const r of db.query('SELECT status, count(*) AS n FROM request_logs GROUP BY status').all() as { status: number; n: number }[]) {
    byStatus[r.status] = r.n;
    rows += r.n;
  }
  db.close();
  return { rows, byStatus };
}
