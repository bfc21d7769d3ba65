/**
 * PostgreSQL's reachability is set by answers in the order their questions began (AnswerOrder):
 * a query begun during an outage waits out the connection timeout and can fail after PostgreSQL
 * came back; that late failure must not mark it away again over a later answer (the next /api
 * calls were told 503 store_unavailable until the next probe).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { AnswerOrder } from '../../src/db/answer-order';
import { openPgStore } from '../../src/db/pg-store';
import { createProxiedDatabase, type ProxiedDatabase } from '../helpers/pg-database';

test('a failure of a question begun before a later answer counts for nothing; one begun after it does', () => {
  const order = new AnswerOrder();
  const during = order.begin(); // begun while PostgreSQL was away
  const after = order.begin(); // begun once it was back
  order.answered(after, true);
  order.answered(during, false);
  expect(order.up).toBe(true);
  const next = order.begin();
  order.answered(next, false);
  expect(order.up).toBe(false);
  const probe = order.begin();
  order.answered(probe, true);
  expect(order.up).toBe(true);
});

let pg: ProxiedDatabase;
beforeAll(async () => {
  pg = await createProxiedDatabase();
}, 60_000);
afterAll(() => pg?.close(async () => {}));

test('the real store: a query failing on a cut connection marks PostgreSQL away; a query answered once it is back marks it up', async () => {
  // No probe during the test: only the queries' own answers set reachability.
  const store = openPgStore(pg.url, { probeMs: 600_000, connectionTimeoutS: 1 });
  try {
    await store.all('SELECT 1');
    pg.proxy.cut();
    await expect(store.all('SELECT 1')).rejects.toThrow();
    expect(store.reachable()).toBe(false);
    pg.proxy.restore();
    // Bun's pool connects again a few hundred ms after failed attempts: asked until it answers.
    let answered = false;
    for (const end = Date.now() + 10_000; !answered && Date.now() < end; ) {
      answered = await store.all('SELECT 1').then(() => true, () => false);
      if (!answered) await Bun.sleep(100);
    }
    expect(answered).toBe(true);
    expect(store.reachable()).toBe(true);
  } finally {
    await store.close();
  }
}, 30_000);
