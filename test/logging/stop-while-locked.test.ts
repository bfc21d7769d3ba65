/**
 * The real process (`bun src/main.ts`) stopped while another program holds the SQLite database's
 * write lock: each waiting batch would cost the log writer three busy_timeout waits, one batch
 * after another, so a SIGTERM with a few batches queued outlasted a supervisor's stop timeout.
 * The stop waits LOG_CLOSE_TIMEOUT_MS for the log rows, then says on stderr how many were not
 * written (counted as dropped) and exits.
 */
import { afterEach, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_CLOSE_TIMEOUT_MS } from '../../src/logging/log-sink-interface';
import { createClientKey, startGatewayProcess } from '../helpers/gateway-process';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function gateway() {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-stop-locked-'));
  cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
  const dbPath = join(cwd, 'gophergate.db');
  const gw = await startGatewayProcess({ cwd, dbPath, adminPassword: 'stop-locked-pw', env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  cleanups.push(() => gw.proc.kill('SIGKILL'));
  const key = await createClientKey(gw.url, 'stop-locked-pw');
  /** Three requests, each its own batch (the sink posts a batch 100 ms after its first row); their x-request-ids. */
  const requests = async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: `hi ${i}` }] }),
      });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      ids.push(res.headers.get('x-request-id')!);
      await Bun.sleep(300);
    }
    return ids;
  };
  const rowsOf = (ids: string[]) => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return (db.query(`SELECT count(*) AS n FROM request_logs WHERE request_id IN (${ids.map(() => '?').join(',')})`).get(...ids) as { n: number }).n;
    } finally {
      db.close();
    }
  };
  return { gw, dbPath, requests, rowsOf };
}

test('SIGTERM while another program holds the write lock: the stop ends within its deadline and names the rows not written', async () => {
  const { gw, dbPath, requests, rowsOf } = await gateway();
  // A sqlite3 shell inside a transaction, a backup: held through the whole stop.
  const lock = new Database(dbPath);
  lock.exec('PRAGMA busy_timeout = 10000');
  lock.exec('BEGIN EXCLUSIVE');
  let ids: string[];
  try {
    ids = await requests();
    const began = performance.now();
    gw.proc.kill('SIGTERM');
    const code = await gw.proc.exited;
    const tookMs = performance.now() - began;
    const out = await gw.outAtExit();
    expect(code).toBe(0);
    // An upper bound, not a timing assert: three batches at ~15 s each took 50 s before.
    expect(tookMs).toBeLessThan(3 * LOG_CLOSE_TIMEOUT_MS);
    // Why, in either order of events: the writer's third lock wait ended first (SQLite's words),
    // or the deadline passed while it still waited.
    const why = /gophergate: 3 log row\(s\) not written to SQLite at shutdown \((.+)\); counted as dropped \(log_queue\.dropped, gophergate_log_dropped_total\)/.exec(out)?.[1];
    expect(["database is locked", "not committed within the 10 s stop deadline: is another program holding the database's write lock?"]).toContain(why!);
  } finally {
    lock.exec('ROLLBACK');
    lock.close();
  }
  // Counted as not written, and indeed none was written late.
  expect(rowsOf(ids)).toBe(0);
}, 90_000);

test('SIGTERM with the database free: every queued row is written before the exit, none counted dropped', async () => {
  const { gw, requests, rowsOf } = await gateway();
  const ids = await requests();
  gw.proc.kill('SIGTERM');
  expect(await gw.proc.exited).toBe(0);
  const out = await gw.outAtExit();
  expect(out).not.toContain('not written');
  expect(out).not.toContain('dropped');
  expect(rowsOf(ids)).toBe(3);
}, 60_000);
