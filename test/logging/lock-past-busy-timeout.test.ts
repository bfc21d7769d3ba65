/**
 * The real gateway on SQLite while another program holds the database's write lock longer than
 * the log writer waits for it (busy_timeout, three times): SQLite answers `database is locked`,
 * which passes. The requests are answered meanwhile, their rows are kept (not dropped) and
 * /health says why; once the lock goes every answered request has exactly one row, and the
 * rollups count each once.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ storeLogs: true, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
});
afterAll(() => gw.close());

const health = async () => (await fetch(`${gw.url}/health`)).json();
const body = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });

/** `n` requests, 25 at a time; the x-request-id of each answer. */
async function burst(n: number): Promise<string[]> {
  const ids: string[] = [];
  let left = n;
  await Promise.all(Array.from({ length: 25 }, async () => {
    while (left-- > 0) {
      const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      ids.push(res.headers.get('x-request-id')!);
    }
  }));
  return ids;
}

test('a write lock held past busy_timeout: rows are kept while SQLite says locked, then each written once', async () => {
  const before = await burst(50);
  for (let i = 0; i < 1_000 && gw.ctx.logSink.stats().depth > 0; i++) await Bun.sleep(10);
  // A backup or a sqlite3 shell in a transaction: held until the log writer has given up waiting.
  const lock = new Database(gw.ctx.config.database.path);
  lock.exec('PRAGMA busy_timeout = 10000');
  lock.exec('BEGIN EXCLUSIVE');
  let released = false;
  try {
    const during = await burst(300);
    let h: any;
    for (let i = 0; i < 600 && !(h = await health()).log_queue.error; i++) await Bun.sleep(50);
    expect(h).toMatchObject({ status: 'degraded', log_queue: { dropped: 0, error: expect.stringContaining('locked') } });
    const late = await burst(100); // still locked: these queue behind the kept ones
    lock.exec('COMMIT');
    released = true;
    const ids = [...before, ...during, ...late];
    expect(new Set(ids).size).toBe(450);
    for (let i = 0; i < 3_000 && gw.ctx.logSink.stats().depth > 0; i++) await Bun.sleep(10);
    const rows = gw.ctx.sqlite.query(`SELECT request_id AS id, count(*) AS n FROM request_logs WHERE client_id = ? GROUP BY request_id`).all(gw.clientId) as { id: string; n: number }[];
    const count = new Map(rows.map((r) => [r.id, r.n]));
    expect(ids.filter((id) => count.get(id) !== 1)).toEqual([]);
    expect(count.size).toBe(ids.length);
    const rolled = gw.ctx.sqlite.query('SELECT sum(requests) AS n FROM usage_client_daily WHERE client_id = ?').get(gw.clientId) as { n: number };
    expect(rolled.n).toBe(ids.length);
    const after = await health();
    expect(after).toMatchObject({ status: 'ok', log_queue: { depth: 0, dropped: 0 } });
    expect(after.log_queue.error).toBeUndefined();
  } finally {
    if (!released) lock.exec('ROLLBACK');
    lock.close();
  }
}, 120_000);
