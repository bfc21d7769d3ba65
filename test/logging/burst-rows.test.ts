/**
 * The real SQLite log writer under a burst: 10,000 requests over HTTP, many at once, while another
 * connection holds the database's write lock for a while in the middle. Every request leaves its
 * row (none dropped, none twice), and /health and /metrics count what the table holds.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { parsePrometheus, valueOf } from '../metrics/parse-prometheus';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ storeLogs: true, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
});
afterAll(() => gw.close());

const TOTAL = 10_000;
const AT_ONCE = 100;
const body = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });

test('10,000 requests, a write lock held meanwhile: one row each, nothing dropped', async () => {
  const ids: string[] = [];
  let next = 0;
  let lock: Database | null = null;
  let heldBack = 0;
  let released: Promise<void> = Promise.resolve();
  const worker = async () => {
    while (next < TOTAL) {
      const i = next++;
      if (i === TOTAL / 4) {
        // Another writer (a dashboard action, a backup) holds the lock for a while: the log writer waits and retries.
        lock = new Database(gw.ctx.config.database.path);
        // The log writer may be mid-batch at this moment (a loaded machine): wait for it, as a real writer would.
        lock.exec('PRAGMA busy_timeout = 10000');
        lock.exec('BEGIN EXCLUSIVE');
        released = Bun.sleep(2_000).then(() => {
          heldBack = gw.ctx.logSink.stats().depth;
          lock!.exec('COMMIT');
          lock!.close();
        });
      }
      const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      ids.push(res.headers.get('x-request-id')!);
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
  // The requests may all be answered before the lock goes (a fast machine): their rows wait behind it.
  await released;
  expect(new Set(ids).size).toBe(TOTAL);
  // The lock did hold rows back.
  expect(heldBack).toBeGreaterThan(0);

  const count = () => (gw.ctx.sqlite.query("SELECT count(*) AS n FROM request_logs WHERE endpoint = 'chat'").get() as { n: number }).n;
  for (let i = 0; i < 3_000 && count() < TOTAL; i++) await Bun.sleep(10);
  expect(count()).toBe(TOTAL);
  const distinct = gw.ctx.sqlite.query("SELECT count(DISTINCT request_id) AS n FROM request_logs WHERE endpoint = 'chat'").get() as { n: number };
  expect(distinct.n).toBe(TOTAL);
  // Each answer's id names its row.
  const missing = ids.filter((id) => !gw.ctx.sqlite.query('SELECT 1 FROM request_logs WHERE request_id = ?').get(id));
  expect(missing).toEqual([]);

  // The writer's word that a batch is in comes a moment after its rows can be read: the queue empties then.
  for (let i = 0; i < 3_000 && gw.ctx.logSink.stats().depth > 0; i++) await Bun.sleep(10);
  const health = await (await fetch(`${gw.url}/health`)).json();
  expect(health).toMatchObject({ status: 'ok', log_queue: { depth: 0, dropped: 0 } });
  const { samples } = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
  expect(valueOf(samples, 'gophergate_log_written_total')).toBe(TOTAL);
  expect(valueOf(samples, 'gophergate_log_dropped_total')).toBe(0);
  expect(valueOf(samples, 'gophergate_requests_total', { endpoint: 'chat' })).toBe(TOTAL);
}, 180_000);
