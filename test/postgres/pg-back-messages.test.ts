/**
 * What an operator reads of a PostgreSQL outage, from the real process (`bun src/main.ts`):
 * stderr says when PostgreSQL is back and how many log rows that waited were written (there was
 * only the warning that rows could not be written), and /metrics's HELP of the log queue names the
 * store in use, PostgreSQL, not SQLite. PostgreSQL is taken away by cutting a loopback TCP proxy.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { SQL } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD } from '../helpers/admin-harness';
import { createClientKey, startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { createProxiedDatabase, type ProxiedDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';

setDefaultTimeout(60_000);

let dir: string;
let pg: ProxiedDatabase;
let gw: GatewayProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gg-pg-back-'));
  // Refused connections: each query fails at once (the point is what stderr says, not the connection timeout).
  pg = await createProxiedDatabase({ adminPassword: ADMIN_PASSWORD, refuse: true });
  gw = await startGatewayProcess({
    cwd: dir, dbPath: join(dir, 'unused.db'), adminPassword: ADMIN_PASSWORD,
    env: { LLM_PROXY__DATABASE__URL: pg.url, LLM_PROXY__INSTANCE_ID: 'pg-back-1', LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' },
  });
});
afterAll(async () => {
  await pg?.close(async () => {
    gw?.proc.kill('SIGKILL');
    await gw?.proc.exited;
  });
  rmSync(dir, { recursive: true, force: true });
});

const health = async () => (await (await fetch(`${gw.url}/health`)).json()) as { store_reachable: boolean; log_queue: { depth: number } };

async function chat(key: string): Promise<string> {
  const r = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'mock/echo-1', messages: [{ role: 'user', content: 'while PostgreSQL is away' }] }),
  });
  expect(r.status).toBe(200);
  await r.text();
  return r.headers.get('x-request-id')!;
}

test('PostgreSQL away, then back: stderr says it is back and how many waiting rows were written; /metrics HELP names PostgreSQL', async () => {
  const key = await createClientKey(gw.url, ADMIN_PASSWORD, 'pg-back');

  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  expect(metrics).toContain('# HELP gophergate_log_queue_depth Log records accepted but not yet in PostgreSQL.');
  expect(metrics).toContain('# HELP gophergate_log_written_total Log records written to PostgreSQL.');
  expect(metrics).not.toContain('SQLite');

  pg.proxy.cut();
  expect(await eventually(async () => (await health()).store_reachable === false, 10_000)).toBe(true);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push(await chat(key));
  expect(await eventually(async () => (await health()).log_queue.depth === 4, 10_000)).toBe(true);
  // The writer's warning while it waits; nothing says it is back yet.
  expect(await eventually(() => gw.out().includes('log writer could not write to PostgreSQL'), 10_000)).toBe(true);
  expect(gw.out()).not.toContain('PostgreSQL is back');

  pg.proxy.restore();
  const line = /gophergate: PostgreSQL is back; the log writer wrote the (\d+) row\(s\) that waited/;
  expect(await eventually(() => line.test(gw.out()), 15_000, 50)).toBe(true);
  expect(Number(line.exec(gw.out())![1])).toBe(4);
  // Said once, and the rows are there.
  expect(gw.out().match(new RegExp(line.source, 'g'))!.length).toBe(1);
  const sql = new SQL(pg.db.url);
  try {
    const rows = await sql`SELECT request_id FROM request_logs WHERE request_id IN ${sql(ids)}`;
    expect(rows.length).toBe(4);
  } finally {
    await sql.close();
  }
});
