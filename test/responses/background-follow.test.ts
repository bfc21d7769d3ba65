/**
 * `background: true` on an OpenAI model, through the real gateway and the openai SDK, against a
 * fake OpenAI that keeps each response queued / in progress until the test ends it: the request's
 * one log row waits for the response's end and carries its real usage and cost; a key with a
 * budget may use background, its reservation held until the end and then settled at the real cost.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { BackgroundFollower } from '../../src/responses/background-follower';
import { jsonResponse, sseResponse } from '../helpers/fake-upstream';
import { apiError } from '../helpers/start-gateway';
import { limitedClient, startLimitsRig, type LimitsRig } from '../limits/limits-helpers';

let rig: LimitsRig;
beforeAll(async () => {
  rig = await startLimitsRig({ backgroundResponses: new BackgroundFollower({ firstPollMs: 5, maxPollMs: 20 }) });
});
afterAll(() => rig.close());

/** OpenAI's background responses, each queued until the test sets how it ended. */
const states = new Map<string, { status: string; usage: unknown }>();
let next = 0;
function fakeOpenAIResponses() {
  rig.fake.handler = (_req, rec) => {
    if (rec.method === 'POST' && rec.path === '/v1/responses') {
      const id = `resp_bg${String(++next).padStart(10, '0')}`;
      states.set(id, { status: 'queued', usage: null });
      if (!rec.body.stream) return jsonResponse(responseBody(id));
      // Streamed: the response's start and one delta, then silence (the client will leave).
      const created = { type: 'response.created', sequence_number: 0, response: responseBody(id) };
      const delta = { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Once upon' };
      return sseResponse([JSON.stringify(created), JSON.stringify(delta)], { hangAfter: 2 });
    }
    const id = /^\/v1\/responses\/(resp_\w+)$/.exec(rec.path)?.[1];
    if (rec.method === 'GET' && id && states.has(id)) return jsonResponse(responseBody(id));
    if (rec.method === 'POST' && rec.path === '/v1/chat/completions') {
      return jsonResponse({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 19, completion_tokens: 9, total_tokens: 28 } });
    }
    return jsonResponse({ error: { message: 'No response found.', type: 'invalid_request_error', param: null, code: null } }, 404);
  };
}
const responseBody = (id: string) => {
  const s = states.get(id)!;
  return { id, object: 'response', created_at: 1, status: s.status, background: true, model: 'gpt-4o-mini', output: [], usage: s.usage, error: null, incomplete_details: null };
};
const usage = (input: number, output: number, reasoning = 0) => ({
  input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: reasoning }, total_tokens: input + output,
});
/** Resolves once the gateway has read `id` back from the fake `n` times. */
async function readsOf(id: string, n: number): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (rig.fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1/responses/${id}`).length >= n) return;
    await Bun.sleep(5);
  }
  throw new Error(`the gateway did not read ${id} back ${n} times`);
}
const rowOf = (requestId: string) => rig.gw.logs.filter((r) => r.requestId === requestId);

test('the row waits for the end of the response and bills its usage; the reads carry the key that made it', async () => {
  fakeOpenAIResponses();
  const { data, request_id } = await rig.gw.openai().responses.create({ model: 'lim-model', input: 'A long essay', background: true }).withResponse();
  expect(data).toMatchObject({ status: 'queued', background: true });
  await readsOf(data.id, 2);
  states.get(data.id)!.status = 'in_progress';
  await readsOf(data.id, 3);
  expect(rowOf(request_id!)).toEqual([]); // still running: no row yet
  // Operators see it: /health and /metrics count the responses being followed.
  expect((await (await fetch(`${rig.gw.url}/health`)).json()).background_responses).toBe(1);
  expect(await (await fetch(`${rig.gw.url}/metrics`)).text()).toMatch(/\ngophergate_background_responses(\{[^}]*\})? 1\n/);
  states.set(data.id, { status: 'completed', usage: usage(120, 900, 640) });
  const row = await rig.gw.waitForRow(request_id!);
  expect(row).toMatchObject({ endpoint: 'responses', provider: 'openai', model: 'lim-model', status: 200, promptTokens: 120, completionTokens: 900, reasoningTokens: 640, estimated: false });
  expect(row.costUsd).toBeCloseTo((120 + 900) * 0.001, 9);
  const reads = rig.fake.requests.filter((r) => r.path === `/v1/responses/${data.id}`);
  expect(new Set(reads.map((r) => r.headers.authorization))).toEqual(new Set([rig.fake.requests.find((r) => r.method === 'POST' && r.path === '/v1/responses')!.headers.authorization]));
  // Ended: no more reads.
  const count = reads.length;
  await Bun.sleep(50);
  expect(rig.fake.requests.filter((r) => r.path === `/v1/responses/${data.id}`).length).toBe(count);
});

test('a cancelled background response bills what it used before the cancel', async () => {
  fakeOpenAIResponses();
  const { data, request_id } = await rig.gw.openai().responses.create({ model: 'lim-model', input: 'Stop me', background: true }).withResponse();
  await readsOf(data.id, 1);
  states.set(data.id, { status: 'cancelled', usage: usage(50, 10) });
  expect(await rig.gw.waitForRow(request_id!)).toMatchObject({ status: 200, promptTokens: 50, completionTokens: 10 });
});

test('a key with a budget may use background: its reservation holds until the end, then the real cost counts', async () => {
  fakeOpenAIResponses();
  const c = await limitedClient(rig.gw, 'bg-budget', { budgetUsd: 1, budgetPeriod: 'month' });
  const openai = rig.gw.openai(c.key);
  // Reserves ~$0.63 (prompt estimate + 600 output tokens at $0.001) until the response ends.
  const { data, request_id } = await openai.responses.create({ model: 'lim-model', input: 'A long essay', background: true, max_output_tokens: 600 }).withResponse();
  const chat = { model: 'lim-model', messages: [{ role: 'user' as const, content: 'Hi' }], max_tokens: 500 };
  // Another ~$0.52 does not fit beside it.
  const refused = await apiError(openai.chat.completions.create(chat));
  expect([refused.status, refused.code]).toEqual([429, 'budget_exceeded']);
  // It ended having used $0.25: the reservation gives way to that, and the same request fits.
  states.set(data.id, { status: 'completed', usage: usage(100, 150) });
  expect((await rig.gw.waitForRow(request_id!)).costUsd).toBeCloseTo(0.25, 9);
  const ok = await openai.chat.completions.create(chat);
  expect(ok.choices[0]!.message.content).toBe('ok');
});

test('a streamed background response the client leaves runs on: its row (499, the client left) bills the usage at its end', async () => {
  fakeOpenAIResponses();
  const abort = new AbortController();
  const res = await fetch(`${rig.gw.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rig.gw.clientKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'lim-model', input: 'A long story', background: true, stream: true }),
    signal: abort.signal,
  });
  const requestId = res.headers.get('x-request-id')!;
  const reader = res.body!.getReader();
  let seen = '';
  while (!seen.includes('Once upon')) seen += new TextDecoder().decode((await reader.read()).value);
  abort.abort();
  const id = /"id":"(resp_bg\d+)"/.exec(seen)![1]!;
  await readsOf(id, 1);
  expect(rowOf(requestId)).toEqual([]);
  states.set(id, { status: 'completed', usage: usage(30, 700) });
  expect(await rig.gw.waitForRow(requestId)).toMatchObject({ status: 499, stream: true, promptTokens: 30, completionTokens: 700, estimated: false });
});

test('a background response running past the hour after which lost rows are swept keeps its reservation while it is followed', async () => {
  fakeOpenAIResponses();
  const c = await limitedClient(rig.gw, 'bg-long', { budgetUsd: 1, budgetPeriod: 'month' });
  const openai = rig.gw.openai(c.key);
  const { data, request_id } = await openai.responses.create({ model: 'lim-model', input: 'A very long essay', background: true, max_output_tokens: 600 }).withResponse();
  await readsOf(data.id, 1);
  states.get(data.id)!.status = 'in_progress';
  // The limits clock runs on for two hours while the response runs: each read after a move is a sign of life at the new time.
  const readCount = () => rig.fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1/responses/${data.id}`).length;
  for (let i = 0; i < 4; i++) {
    rig.clock.now += 30 * 60_000;
    await readsOf(data.id, readCount() + 2); // the next read may have started before the move: the one after it
  }
  // Two hours after its admission the ~$0.63 reservation still holds: ~$0.52 more does not fit (each admit sweeps).
  const chat = { model: 'lim-model', messages: [{ role: 'user' as const, content: 'Hi' }], max_tokens: 500 };
  const refused = await apiError(openai.chat.completions.create(chat));
  expect([refused.status, refused.code]).toEqual([429, 'budget_exceeded']);
  const scope = rig.gw.ctx.state.getSnapshot().clientsById!.get(c.id)!.limits!.scopes[0]!;
  expect(await rig.gw.ctx.limits.counters.outstanding(scope)).toMatchObject({ inFlight: 1 });
  states.set(data.id, { status: 'completed', usage: usage(100, 800) });
  expect((await rig.gw.waitForRow(request_id!)).costUsd).toBeCloseTo(0.9, 9);
  // Its row settled the reservation at its real cost: $0.10 left, the same request is refused on the spend now.
  expect(await rig.gw.ctx.limits.counters.outstanding(scope)).toEqual({ reservedUsd: 0, inFlight: 0 });
  expect(await rig.gw.ctx.limits.counters.spend(scope, rig.clock.now)).toBeCloseTo(0.9, 9);
  const after = await apiError(openai.chat.completions.create(chat));
  expect([after.status, after.code]).toEqual([429, 'budget_exceeded']);
});
