/**
 * A stream the client cut, from an upstream that sent no usage: its row waits for the token
 * estimate (the counter's worker takes seconds to start on first use), but the key's
 * max_parallel slot is free as soon as the request ends; cost and tokens settle with the row,
 * which is still the request's one row. The estimate is held back by hand, so no timing.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { TokenCounter } from '../../src/usage/token-counter';
import { fixtureJson, jsonResponse, replay } from '../helpers/fake-upstream';
import { chatBody, limitedClient, startLimitsRig, type LimitsRig } from './limits-helpers';

let rig: LimitsRig;
let release!: () => void;
const held = new Promise<void>((r) => (release = r));
let asked!: () => void;
const estimateAsked = new Promise<void>((r) => (asked = r));
/** Counts ~4 characters a token, once the test lets it. */
const heldCounter: TokenCounter = {
  count(texts) {
    asked();
    return held.then(() => texts.map((t) => Math.ceil(t.length / 4)));
  },
};

beforeAll(async () => {
  rig = await startLimitsRig({ tokenCounter: heldCounter });
});
afterAll(async () => {
  release();
  await rig?.close();
});

test('a cut stream frees its max_parallel slot when it ends; its row and cost come with the estimate', async () => {
  const { gw, fake } = rig;
  const c = await limitedClient(gw, 'cut-stream', { maxParallel: 1, budgetUsd: 10 });
  const scope = gw.ctx.state.getSnapshot().clientsById!.get(c.id)!.limits!.scopes[0]!;
  // The upstream streams text without a usage chunk, then goes silent: the client hangs up.
  fake.handler = replay('openai', 'text.chunks.txt', { hangAfter: 2 });
  const controller = new AbortController();
  const cut = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(chatBody('lim-model', { stream: true })),
    signal: controller.signal,
  });
  expect(cut.status).toBe(200);
  const cutId = cut.headers.get('x-request-id')!;
  const reader = cut.body!.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toContain('chat.completion.chunk');
  controller.abort();
  await estimateAsked; // the request has ended; its row waits for the estimate

  expect(gw.logs.filter((l) => l.requestId === cutId)).toEqual([]);
  expect((await gw.ctx.limits.counters.outstanding(scope)).inFlight).toBe(0);
  // The key's one slot is free: the next request is served, not refused with concurrency_limit_exceeded.
  fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
  const next = await gw.openai(c.key).chat.completions.create(chatBody()).withResponse();
  expect(next.data.choices.length).toBe(1);
  await gw.waitForRow(next.response);
  // Its reservation (the worst case) is still held until the row settles it.
  expect((await gw.ctx.limits.counters.outstanding(scope)).reservedUsd).toBeGreaterThan(0);

  release();
  const row = await gw.waitForRow(cutId);
  expect(row).toMatchObject({ status: 499, estimated: true });
  expect(row.costUsd).toBeGreaterThan(0);
  expect(await gw.ctx.limits.counters.outstanding(scope)).toEqual({ reservedUsd: 0, inFlight: 0 });
  const nextRow = await gw.waitForRow(next.response);
  expect(await gw.ctx.limits.counters.spend(scope, rig.clock.now)).toBeCloseTo(row.costUsd + nextRow.costUsd);
});
