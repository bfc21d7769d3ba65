/**
 * Rows the log writer could not take are never dropped silently: the Usage page says how many,
 * next to the numbers they are missing from (as /health and /metrics do).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { LogSink } from '../../src/logging/log-sink-interface';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
let stats = { depth: 0, dropped: 0, written: 0 };
const sink: LogSink = { write() {}, stats: () => stats, close: async () => {} };

beforeAll(async () => {
  gw = await startGateway({ logSink: sink });
});
afterAll(() => gw.close());

async function usagePage(): Promise<string> {
  const login = await fetch(`${gw.url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ username: 'admin', password: 'test-admin-password' }),
    redirect: 'manual',
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  return (await fetch(`${gw.url}/`, { headers: { cookie } })).text();
}

test('no warning while nothing was dropped; the queue figures are shown', async () => {
  stats = { depth: 4, dropped: 0, written: 10 };
  const html = await usagePage();
  expect(html).not.toContain('id="log-dropped"');
  expect(html).toMatch(/Log writer: 4 queued,\s*0 dropped since start/);
});

test('dropped rows raise a warning on the Usage page', async () => {
  stats = { depth: 0, dropped: 7, written: 10 };
  const html = await usagePage();
  expect(html).toContain('id="log-dropped"');
  expect(html).toContain('7 requests could not be logged');
  const health = await fetch(`${gw.url}/health`).then((r) => r.json());
  expect(health.log_queue).toEqual({ depth: 0, dropped: 7 });
});
