/**
 * `LLM_PROXY__RESPONSES__STORE=false` on SQLite: no conversation kept, but the owner of each OpenAI
 * response is, so one client key never continues or reads another's (owner-without-store-checks.ts).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { checkOwnerKept, startHoldingOpenAI, storeOffEnv } from './owner-without-store-checks';

const openai = startHoldingOpenAI();
let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ env: storeOffEnv(openai.url) });
});
afterAll(async () => {
  await gw?.close();
  openai.close();
});

test("store off: another key's follow-up, item reference, GET, input_items, DELETE and cancel of an OpenAI response are refused, nothing sent upstream", async () => {
  await checkOwnerKept(gw, openai, gw.addClient('someone else').key);
});

test('store off: the rows kept are owner records only, no conversation', async () => {
  await gw.ctx.responseStore.flush();
  const rows = gw.ctx.sqlite!.query('SELECT forwarded, messages FROM stored_responses').all() as { forwarded: number; messages: string }[];
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((r) => r.forwarded === 1 && r.messages === '[]')).toBe(true);
});
