/**
 * The real gateway on SQLite whose disk is full (simulated: a trigger fails each log insert with
 * SQLite's disk-full message): the request is answered, its row is kept and retried, /health says
 * `degraded` with the reason; once the disk has room again the row is written and /health is ok.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ storeLogs: true, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
});
afterAll(() => gw.close());

const health = async () => (await fetch(`${gw.url}/health`)).json();

test('a full disk: the answer goes out, the row waits and is written once there is room; /health is degraded meanwhile', async () => {
  gw.ctx.sqlite.exec(`CREATE TABLE disk_full (x INTEGER); INSERT INTO disk_full VALUES (1);
    CREATE TRIGGER disk_full_now BEFORE INSERT ON request_logs WHEN EXISTS (SELECT 1 FROM disk_full) BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;`);
  const { data, response } = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  expect(data.choices[0]!.message.content).toBeTruthy();
  const id = response.headers.get('x-request-id')!;
  let h: any;
  for (let i = 0; i < 200 && !(h = await health()).log_queue.error; i++) await Bun.sleep(10);
  expect(h).toMatchObject({ status: 'degraded', log_queue: { depth: 1, dropped: 0, error: expect.stringContaining('disk is full') } });
  gw.ctx.sqlite.exec('DELETE FROM disk_full');
  const row = () => gw.ctx.sqlite.query('SELECT status FROM request_logs WHERE request_id = ?').get(id) as { status: number } | null;
  for (let i = 0; i < 1_500 && !row(); i++) await Bun.sleep(10);
  expect(row()).toEqual({ status: 200 });
  expect(await health()).toMatchObject({ status: 'ok', log_queue: { depth: 0, dropped: 0 } });
  expect((await health()).log_queue.error).toBeUndefined();
});
