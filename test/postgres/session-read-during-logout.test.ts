/**
 * On PostgreSQL a session row is read (awaited) into the 5 s cache before the guard checks it. A
 * logout that ends the session while that read is under way must not be undone by the read: the
 * row it brings back predates the logout.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { openAppContext } from '../../src/app-context';
import { createSession, deleteSession, lookupSession, preloadSession } from '../../src/auth/session-store';
import { loadConfig } from '../../src/config/config';
import type { AppContext } from '../../src/context';
import type { Db } from '../../src/db/client';
import { markPgDb } from '../../src/db/pg-translate';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';

let db: TestDatabase;
let ctx: AppContext;

beforeAll(async () => {
  db = await createTestDatabase();
  ctx = await openAppContext(loadConfig({ LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__ENCRYPTION_KEY: '0f'.repeat(32), LLM_PROXY__ADMIN__PASSWORD: 'pw-for-tests-1' }), { warn: () => {} });
});
afterAll(async () => {
  ctx?.state.stop();
  await ctx?.logSink.close();
  await ctx?.store.close();
  await db?.drop();
});

/** `db`, whose first select runs `hook` after its rows arrived and before the caller gets them. */
function withHookAfterFirstRead(inner: Db, hook: () => Promise<void>): Db {
  let pending: (() => Promise<void>) | null = hook;
  const wrap = (b: any): any =>
    new Proxy(b, {
      get(t, p) {
        if (p === 'then') {
          return (res: any, rej: any) =>
            t.then(async (rows: unknown) => {
              const h = pending;
              pending = null;
              await h?.();
              return rows;
            }).then(res, rej);
        }
        const v = t[p];
        return typeof v === 'function' ? (...a: unknown[]) => wrap(v.apply(t, a)) : v;
      },
    });
  const outer = new Proxy(inner as any, {
    get(t, p) {
      const v = t[p];
      if (p === 'select') return (...a: unknown[]) => wrap(v.apply(t, a));
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
  return markPgDb(outer);
}

test('a session logged out while its row was being read is not cached as live', async () => {
  const sql = new SQL(db.url);
  const [admin] = await sql`SELECT id, token_version FROM users WHERE username = 'admin'`;
  await sql.close();
  const user = { id: Number(admin.id), tokenVersion: Number(admin.token_version) };
  const issued = await createSession(ctx, ctx.secretBox, user);
  const claims = { sessionId: issued.sessionId, userId: user.id, tokenVersion: user.tokenVersion, expiresAt: issued.expiresAt };

  // The row is read, then the session is logged out (row deleted, cache cleared), then the read lands.
  const racing = withHookAfterFirstRead(ctx.db, () => deleteSession(ctx, issued.sessionId));
  await preloadSession({ db: racing, auth: ctx.auth }, claims);
  expect(lookupSession({ db: racing, auth: ctx.auth }, claims)).toBeNull();

  // Without a logout in between, a live session reads as live.
  const other = await createSession(ctx, ctx.secretBox, user);
  const otherClaims = { ...claims, sessionId: other.sessionId, expiresAt: other.expiresAt };
  await preloadSession(ctx, otherClaims);
  expect(lookupSession(ctx, otherClaims)?.sessionId).toBe(other.sessionId);
}, 60_000);
