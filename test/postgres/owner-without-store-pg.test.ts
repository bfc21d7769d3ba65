/**
 * `LLM_PROXY__RESPONSES__STORE=false` on PostgreSQL: the owner of each OpenAI response is kept in
 * the shared table all the same, so one client key never continues or reads another's
 * (test/responses/owner-without-store-checks.ts).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createClient } from '../../src/admin/clients-service';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { checkOwnerKept, startHoldingOpenAI, storeOffEnv } from '../responses/owner-without-store-checks';

const openai = startHoldingOpenAI();
let db: TestDatabase;
let gw: TestGateway;
beforeAll(async () => {
  db = await createTestDatabase();
  gw = await startGateway({ env: { ...storeOffEnv(openai.url), LLM_PROXY__DATABASE__URL: db.url } });
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await db?.drop();
  openai.close();
});

test("store off: another key's follow-up, item reference, GET, input_items, DELETE and cancel of an OpenAI response are refused, nothing sent upstream", async () => {
  await checkOwnerKept(gw, openai, (await createClient(gw.ctx, 'someone else')).key);
  await gw.ctx.responseStore.flush();
  const rows = await gw.ctx.store.all<{ forwarded: boolean; messages: string }>('SELECT forwarded, messages FROM stored_responses');
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((r) => r.forwarded === true && r.messages === '[]')).toBe(true);
});
