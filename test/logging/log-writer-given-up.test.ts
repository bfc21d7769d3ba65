/**
 * A log writer thread that exits each time it is started again is given up after a few restarts:
 * from then on no row is stored until the gateway restarts. /health must say so (`degraded`, with
 * `log_queue.error`), not `ok` beside a growing dropped count.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { createLogSink } from '../../src/logging/log-sink';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { makeRecord, tempDb, waitFor } from './log-test-helpers';

const alwaysExiting = new URL('./fixtures/always-exiting-writer.ts', import.meta.url).href;
let gw: TestGateway;
const db = tempDb();

beforeAll(async () => {
  writeFileSync(`${db.path}.exit`, '');
  gw = await startGateway({
    env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' },
    logSink: createLogSink({ dbPath: db.path, batchSize: 1, flushMs: 5, workerUrl: alwaysExiting, warn: () => {} }),
  });
});
afterAll(async () => {
  await gw.close();
  db.cleanup();
});

const health = async () => (await fetch(`${gw.url}/health`)).json();

test('the writer given up: /health is degraded and says why, while requests are still answered', async () => {
  const chat = () => gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }) });
  // Each row makes the writer exit; past its restarts the sink gives up and drops what it held.
  await waitFor(() => {
    void chat().then((r) => r.arrayBuffer());
    return gw.ctx.logSink.stats().dropped > 0;
  }, 20_000);
  const res = await chat();
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  const h: any = await health();
  expect(h.log_queue.dropped).toBeGreaterThan(0);
  expect(h.status).toBe('degraded');
  expect(h.log_queue.error).toContain('log writer');
}, 30_000);

test('a writer that cannot open its database says why in the stats /health reads', async () => {
  const sink = createLogSink({ dbPath: '/nonexistent-qa-dir/gophergate.db', batchSize: 1, flushMs: 5, warn: () => {} });
  try {
    sink.write(makeRecord(1));
    await waitFor(() => sink.stats().dropped === 1);
    expect(sink.stats().error).toContain('/nonexistent-qa-dir/gophergate.db');
  } finally {
    await sink.close();
  }
});
