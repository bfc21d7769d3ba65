/**
 * Client aborts after the send, billed (test/usage/client-abort-billing.ts), on the memory
 * counters; and what is not billed: a request that left while still in the gateway's queue (never
 * sent), and an upstream that never answered (504).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { readChunks, sseResponse } from '../helpers/fake-upstream';
import { eventually } from '../helpers/redis-env';
import { limitedClient } from '../limits/limits-helpers';
import { abortBillingCases, spendOf, startAbortRig, type AbortRig } from './client-abort-billing';

setDefaultTimeout(60_000);

let a: AbortRig;
beforeAll(async () => {
  a = await startAbortRig();
});
afterAll(() => a.close());

abortBillingCases(() => a);

describe('never sent, or never answered: nothing billed', () => {
  let q: AbortRig;
  beforeAll(async () => {
    // One upstream request at a time, and a 1 s wait for an upstream's head.
    q = await startAbortRig({ LLM_PROXY__UPSTREAM__MAX_CONNECTIONS: '1', LLM_PROXY__UPSTREAM__TIMEOUT_S: '1' });
  });
  afterAll(() => q.close());

  test('a request the client leaves while it waits in the gateway\'s queue: 499, nothing billed', async () => {
    const { rig } = q;
    // The one slot is held by a stream that went silent after its first chunk.
    rig.fake.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'), { hangAfter: 1 });
    const holder = await limitedClient(rig.gw, 'queue-holder', { budgetUsd: 5, budgetPeriod: 'total' });
    const hold = new AbortController();
    const { data, response } = await rig.gw.openai(holder.key).chat.completions.create({ model: 'lim-model', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'Hi' }] }, { signal: hold.signal }).withResponse();
    const it = data[Symbol.asyncIterator]();
    await it.next();
    const key = await limitedClient(rig.gw, 'queued', { budgetUsd: 5, budgetPeriod: 'total' });
    const controller = new AbortController();
    const pending = rig.gw.openai(key.key).chat.completions.create({ model: 'lim-model', max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] }, { signal: controller.signal }).catch((e) => e);
    expect(await eventually(() => rig.gw.ctx.upstreamSlots.waiting === 1, 15_000)).toBe(true);
    controller.abort();
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    const [row] = await rig.gw.waitForClientRows(key.id, 1);
    expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request', promptTokens: 0, completionTokens: 0, costUsd: 0 });
    expect(await spendOf(rig, key.id, 0)).toBe(0);
    // The holder leaves too: it was sent, so its prompt is billed.
    hold.abort();
    await it.next().catch(() => {});
    const held = await rig.gw.waitForRow(response);
    expect(held).toMatchObject({ status: 499, estimated: true });
    expect(held.promptTokens).toBeGreaterThan(0);
  });

  test('an upstream whose head never comes (504): nothing billed', async () => {
    const { rig } = q;
    rig.fake.handler = (req) => new Promise<Response>((_, reject) => req.signal.addEventListener('abort', () => reject(new Error('gateway left'))));
    const key = await limitedClient(rig.gw, 'never-answered', { budgetUsd: 5, budgetPeriod: 'total' });
    const err = await rig.gw.openai(key.key).chat.completions.create({ model: 'lim-model', max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const row = await rig.gw.waitForRow(err.requestID);
    expect(row).toMatchObject({ status: 504, errorType: 'upstream_timeout', promptTokens: 0, costUsd: 0 });
    expect(await spendOf(rig, key.id, 0)).toBe(0);
  });
});
