/**
 * Two instances on one PostgreSQL database, no Redis: each sees the other's admin changes through
 * its 1-second fingerprint poll, also when a change commits while it is re-reading its snapshot
 * (an admin script making changes back to back), and overlapping re-reads keep the newest rows.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { openAppContext } from '../../src/app-context';
import { createClient, revokeClient } from '../../src/admin/clients-service';
import { hashClientKey } from '../../src/auth/client-auth';
import { loadConfig } from '../../src/config/config';
import type { AppContext } from '../../src/context';
import { ADMIN_PASSWORD } from '../helpers/admin-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';

let db: TestDatabase;
let a: AppContext;
let b: AppContext;

beforeAll(async () => {
  db = await createTestDatabase();
  const config = (id: string) =>
    loadConfig({ LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__ENCRYPTION_KEY: '0f'.repeat(32), LLM_PROXY__INSTANCE_ID: id, LLM_PROXY__ADMIN__PASSWORD: ADMIN_PASSWORD });
  a = await openAppContext(config('a'), { warn: () => {} });
  b = await openAppContext(config('b'), { warn: () => {} });
}, 60_000);

afterAll(async () => {
  for (const c of [a, b]) {
    c?.state.stop();
    await c?.logSink.close();
    await c?.store.close();
  }
  await db?.drop();
});

const revokedOnB = (key: string) => b.state.getSnapshot().clientsByKeyHash.get(hashClientKey(key))?.revoked;

test('a key revoked on A while B re-reads its snapshot is refused by B at its next poll', async () => {
  const made = await createClient(a, 'revoked mid-read');
  await b.state.refresh('outside');
  expect(revokedOnB(made.key)).toBe(false);

  // B's next raw read (its fingerprint query) lets A's revocation commit first: the moment an
  // admin change lands between B's read of the rows and of the fingerprint, or just before both.
  const all = b.store.all.bind(b.store);
  let armed = true;
  b.store.all = (async (sql: string, args?: any[]) => {
    if (armed) {
      armed = false;
      await revokeClient(a, made.id);
    }
    return all(sql, args);
  }) as typeof b.store.all;
  try {
    await b.state.refresh('outside');
    expect(armed).toBe(false);
    b.state.watch(50);
    expect(await eventually(() => revokedOnB(made.key) === true, 10_000)).toBe(true);
  } finally {
    b.store.all = all;
    b.state.stop();
  }
});

test('overlapping re-reads: the one that started last is the snapshot, whichever finishes last', async () => {
  const made = await createClient(a, 'overlap');
  await b.state.refresh('outside');
  // The first re-read's six table reads run at once (the key still active), but their rows are
  // handed over only after a second re-read, started after the revocation, is done.
  const state = b.state as unknown as { db: AppContext['db'] };
  const realDb = state.db;
  let letFirstGo!: () => void;
  const firstHeld = new Promise<void>((r) => (letFirstGo = r));
  let issued = 0;
  let read = 0;
  const held = (q: any): any => ({
    then(ok: any, fail: any) {
      const rows = Promise.resolve(q).finally(() => read++);
      return firstHeld.then(() => rows).then(ok, fail);
    },
    orderBy: (...o: unknown[]) => held(q.orderBy(...o)),
  });
  state.db = new Proxy(realDb, {
    get(target, p) {
      if (p !== 'select' || issued >= 6) return Reflect.get(target, p);
      issued++;
      return () => ({ from: (table: any) => held(target.select().from(table)) });
    },
  });
  try {
    const first = b.state.refresh('outside');
    expect(await eventually(() => read === 6, 5_000, 5)).toBe(true);
    await revokeClient(a, made.id);
    await b.state.refresh('outside');
    expect(revokedOnB(made.key)).toBe(true);
    letFirstGo();
    await first;
    expect(revokedOnB(made.key)).toBe(true);
  } finally {
    state.db = realDb;
  }
});
