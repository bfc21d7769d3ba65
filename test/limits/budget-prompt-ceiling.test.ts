/**
 * The budget reserves a prompt at its ceiling, a token a byte of body: text like "a a a ..." runs
 * at 2 bytes a token, so the 3-bytes estimate (still TPM's) let a request in that then billed past
 * the budget. Two repros: an embeddings input to Gemini, a chat prompt with a tiny max_tokens.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv } from '../helpers/start-gateway';
import { geminiBatchAnswer } from '../embeddings/fake-embeddings';
import { limitedClient, PRICE, startLimitsRig, type LimitsRig } from './limits-helpers';

const gemini = startFakeUpstream((_req, rec) => geminiBatchAnswer(rec));
let rig: LimitsRig;
beforeAll(async () => {
  rig = await startLimitsRig({ env: providerEnv('gemini', gemini.url) });
});
afterAll(async () => {
  await rig.close();
  gemini.close();
});

const text = 'a '.repeat(1000);

test('an embeddings input of "a a a ..." to Gemini is refused by a budget its billed tokens would pass', async () => {
  // gemini-embedding-001 at $0.15 per 1M tokens: "a ".repeat(1000) bills 1,001 tokens, $0.00015.
  expect(rig.gw.ctx.state.getSnapshot().models.get('gemini-embedding-001')!.prices.input).toBe(0.15);
  const budget = 0.00011;
  const request = { model: 'gemini-embedding-001', input: text };

  // What it bills, on a key without a budget: more than the budget.
  const free = rig.gw.addClient('embed-unbudgeted');
  const served = await rig.gw.openai(free.key).embeddings.create(request).withResponse();
  const billed = await rig.gw.waitForRow(served);
  expect(billed).toMatchObject({ status: 200, provider: 'gemini', promptTokens: 1001 });
  expect(billed.costUsd).toBeGreaterThan(budget);

  // The 3-bytes estimate (~690 tokens, $0.0001) fit the budget; the ceiling (a token a byte) does not.
  const c = await limitedClient(rig.gw, 'embed-budget', { budgetUsd: budget, budgetPeriod: 'total' });
  const before = gemini.requests.length;
  const err = await apiError(rig.gw.openai(c.key).embeddings.create(request));
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect([err.status, err.code, err.type]).toEqual([429, 'budget_exceeded', 'insufficient_quota']);
  expect(gemini.requests.length).toBe(before);
  const row = await rig.gw.waitForRow(err.headers!.get('x-request-id')!);
  expect(row).toMatchObject({ clientId: c.id, endpoint: 'embeddings', status: 429, errorType: 'budget_exceeded', costUsd: 0 });
});

test('a chat prompt of "a a a ..." with max_tokens 1 is refused by a budget its billed prompt would pass, which the 3-bytes estimate fit', async () => {
  // OpenAI counts the prompt 1,008 tokens (1,001 of text, 7 of the message): $1.009 with the one output token.
  rig.fake.handler = () => {
    const answer = fixtureJson('openai', 'chat.json') as any;
    return jsonResponse({ ...answer, usage: { prompt_tokens: 1008, completion_tokens: 1, total_tokens: 1009 } });
  };
  const body = JSON.stringify({ model: 'lim-model', max_tokens: 1, messages: [{ role: 'user', content: text }] });
  const post = (key: string) =>
    fetch(`${rig.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
  const budget = 0.9;
  // The 3-bytes estimate, prompt and output, fits; the prompt billed does not.
  expect(((Math.ceil(body.length / 3) + 1) * PRICE) / 1e6).toBeLessThan(budget);
  try {
    const free = rig.gw.addClient('chat-unbudgeted');
    const served = await post(free.key);
    expect(served.status).toBe(200);
    expect((await rig.gw.waitForRow(served)).costUsd).toBeCloseTo((1009 * PRICE) / 1e6, 9);

    const c = await limitedClient(rig.gw, 'chat-budget', { budgetUsd: budget, budgetPeriod: 'month' });
    const refused = await post(c.key);
    expect(refused.status).toBe(429);
    const { error } = (await refused.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded', param: null });
    // Its 2,078 bytes a token each and the one output token, at $0.001 a token.
    expect(body.length).toBe(2_078);
    expect(error.message).toContain('this request may cost up to $2.079.');
    const row = await rig.gw.waitForRow(refused);
    expect(row).toMatchObject({ clientId: c.id, endpoint: 'chat', status: 429, errorType: 'budget_exceeded', costUsd: 0 });
    expect(rig.gw.ctx.limits.counters.spend(rig.gw.ctx.state.getSnapshot().clientsById!.get(c.id)!.limits!.scopes[0]!, rig.clock.now)).toBe(0);
  } finally {
    rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
  }
});
