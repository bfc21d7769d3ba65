/**
 * The SQLite file deleted (or moved away) while the gateway runs: SQLite goes on writing into the
 * open, now nameless file, so every row and change since is lost at the next stop. The gateway
 * says so once on stderr and /health turns `degraded` naming it, instead of answering `ok`.
 */
import { expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess } from '../helpers/gateway-process';

setDefaultTimeout(30_000);

test.each(['deleted', 'moved away'])('the database file %s while running: one error line, /health degraded, a clean stop', async (how) => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-dbgone-'));
  const dbPath = join(cwd, 'data', 'gophergate.db');
  const gw = await startGatewayProcess({ cwd, dbPath, adminPassword: 'correct horse battery' });
  try {
    expect(((await (await fetch(`${gw.url}/health`)).json()) as any).status).toBe('ok');
    for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
      if (how === 'deleted') rmSync(f, { force: true });
      else renameSync(f, `${f}.moved`);
    }
    let health: any;
    for (;;) {
      health = await (await fetch(`${gw.url}/health`)).json();
      // The log writer may say so first (log_queue.error): wait for the store's own check.
      if (health.store_error) break;
      await Bun.sleep(50);
    }
    expect(health.status).toBe('degraded');
    expect(health.store_error).toContain(dbPath);
    while (!gw.out().includes('is no longer at')) await Bun.sleep(20);
    // --healthcheck passes (it serves) but says why it is degraded.
    const probe = Bun.spawnSync(['bun', join(import.meta.dir, '../../src/main.ts'), '--healthcheck'], {
      cwd, env: { PATH: process.env.PATH!, LLM_PROXY__SERVER__HOST: '127.0.0.1', LLM_PROXY__SERVER__PORT: String(gw.port) },
      timeout: 20_000,
    });
    expect(probe.exitCode).toBe(0);
    expect(probe.stderr.toString()).toContain(`degraded: the database file ${dbPath} is no longer at that path`);
  } finally {
    gw.proc.kill('SIGTERM');
  }
  expect(await gw.proc.exited).toBe(0);
  const out = await gw.outAtExit();
  const lines = out.split('\n').filter((l) => l.includes('is no longer at'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toStartWith('gophergate: ');
  expect(lines[0]).toContain(dbPath);
  expect(out).not.toContain('    at ');
});
