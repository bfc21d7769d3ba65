/**
 * Failed tries a provider bills all the same: a whole answer cut while its body was read (the
 * provider made it), then answered by the group's next target, or by none. The row's cost, the
 * key's spend and the budget count them, noted in `attempts`. (A stream cut after its first chunk
 * is not tried again: its row bills the prompt and the text delivered, test/chat/stream-failures.test.ts.)
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type { TCPSocketListener } from 'bun';
import { modelGroups, models } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse } from '../helpers/fake-upstream';
import { providerEnv } from '../helpers/start-gateway';
import { chatBody, FIXTURE_COST, limitedClient, PRICE, startLimitsRig, type LimitsRig } from '../limits/limits-helpers';

setDefaultTimeout(30_000);

let rig: LimitsRig;
let cutter: TCPSocketListener<undefined>;
let cutCalls = 0;

beforeAll(async () => {
  // DeepSeek's upstream answers 200 with half a JSON body, then drops the connection (a raw
  // socket, so the head and the half surely go out before the drop).
  const text = JSON.stringify(fixtureJson('deepseek', 'chat.json'));
  const half = text.slice(0, Math.floor(text.length / 2));
  cutter = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket, bytes) {
        cutCalls++;
        // A stream: one chunk that reports the prompt's usage, then the drop.
        if (new TextDecoder().decode(bytes).includes('"stream":true')) {
          const usage = { id: 'chatcmpl-u', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [], usage: { prompt_tokens: 1000, completion_tokens: 0, total_tokens: 1000 } };
          socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: ${JSON.stringify(usage)}\n\n`);
        } else {
          socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${text.length}\r\n\r\n${half}`);
        }
        socket.end();
      },
    },
  });
  const cutUrl = `http://127.0.0.1:${cutter.port}/v1`;
  rig = await startLimitsRig({ env: { ...providerEnv('deepseek', cutUrl), ...providerEnv('grok', cutUrl) } });
  const now = Date.now();
  rig.gw.ctx.db.insert(models).values([
    { id: 'lim-cut', provider: 'deepseek', upstreamId: 'deepseek-chat', inputPrice: PRICE, outputPrice: PRICE, updatedAt: now },
    { id: 'lim-cut2', provider: 'deepseek', upstreamId: 'deepseek-v4-flash', inputPrice: PRICE, outputPrice: PRICE, updatedAt: now },
    { id: 'lim-cut-image', provider: 'grok', upstreamId: 'grok-2-image', kind: 'image', inputPrice: 0, outputPrice: 0, imagePrice: 0.07, updatedAt: now },
  ]).run();
  rig.gw.ctx.db.insert(modelGroups).values([
    { name: 'bill-pair', strategy: 'heuristic', targets: ['lim-cut', 'lim-model'], updatedAt: now },
    { name: 'bill-cut-both', strategy: 'heuristic', targets: ['lim-cut', 'lim-cut2'], updatedAt: now },
  ]).run();
  rig.gw.ctx.state.reload();
});
afterAll(async () => {
  await rig.close();
  cutter.stop(true);
});

const scopeOf = (id: number) => rig.gw.ctx.state.getSnapshot().clientsById!.get(id)!.limits!.scopes[0]!;

test('a whole answer cut mid-body, then the next target answers: the row bills both, the first estimated and noted in attempts', async () => {
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
  cutCalls = 0;
  const c = await limitedClient(rig.gw, 'bill-cut', { budgetUsd: 5, budgetPeriod: 'total' });
  const { data, response } = await rig.gw.openai(c.key).chat.completions.create(chatBody('bill-pair')).withResponse();
  expect(data.object).toBe('chat.completion');
  expect(cutCalls).toBe(1);
  const row = await rig.gw.waitForRow(response);
  expect(row.model).toBe('lim-model');
  const attempts = JSON.parse(row.attempts!);
  expect(attempts.map((a: any) => [a.provider, a.status])).toEqual([['deepseek', 502], ['openai', 200]]);
  // The cut try: its prompt, estimated (its usage was at the end of the lost body), at its model's price.
  const billed = attempts[0].billed;
  expect(billed.prompt_tokens).toBeGreaterThan(0);
  expect(billed.completion_tokens).toBe(0);
  expect(billed.estimated).toBe(true);
  expect(billed.cost_usd).toBeCloseTo(billed.prompt_tokens * (PRICE / 1e6), 10);
  expect(attempts[1].billed).toBeUndefined();
  // The row: the answer's own tokens, and a cost that adds the cut try's.
  expect([row.promptTokens, row.completionTokens]).toEqual([19, 9]);
  expect(row.costUsd).toBeCloseTo(FIXTURE_COST + billed.cost_usd, 10);
  expect(row.estimated).toBe(true);
  // The key's spend is what the providers bill.
  expect(rig.gw.ctx.limits.counters.spend(scopeOf(c.id), rig.clock.now)).toBeCloseTo(row.costUsd, 10);
  expect(rig.gw.ctx.limits.counters.outstanding(scopeOf(c.id))).toEqual({ reservedUsd: 0, inFlight: 0 });
});

test('every target cut mid-body: the client gets the error, and the row still bills what the providers made', async () => {
  const c = await limitedClient(rig.gw, 'bill-all-cut', { budgetUsd: 5, budgetPeriod: 'total' });
  const res = await rig.gw.fetch('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${c.key}` }, body: JSON.stringify(chatBody('bill-cut-both')) });
  expect(res.status).toBe(502);
  expect(((await res.json()) as any).error.code).toBe('upstream_unreachable');
  const row = await rig.gw.waitForRow(res);
  const attempts = JSON.parse(row.attempts!);
  expect(attempts.every((a: any) => a.billed?.prompt_tokens > 0)).toBe(true);
  expect(row.costUsd).toBeCloseTo(attempts[0].billed.cost_usd + attempts[1].billed.cost_usd, 10);
  expect(row.costUsd).toBeGreaterThan(0);
  expect(rig.gw.ctx.limits.counters.spend(scopeOf(c.id), rig.clock.now)).toBeCloseTo(row.costUsd, 10);
});

test('one target, cut mid-body: the row bills the cut try and notes it, though it is the only try', async () => {
  const res = await rig.gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(chatBody('lim-cut')) });
  expect(res.status).toBe(502);
  const row = await rig.gw.waitForRow(res);
  const attempts = JSON.parse(row.attempts!);
  expect(attempts.length).toBe(1);
  expect(attempts[0].billed.prompt_tokens).toBeGreaterThan(0);
  expect(row.costUsd).toBeCloseTo(attempts[0].billed.cost_usd, 10);
});

test('an image call cut while its body was read bills the images asked for (the provider made them)', async () => {
  const res = await rig.gw.fetch('/v1/images/generations', { method: 'POST', body: JSON.stringify({ model: 'lim-cut-image', prompt: 'a red fox', n: 2 }) });
  expect(res.status).toBe(502);
  const row = await rig.gw.waitForRow(res);
  expect(row.endpoint).toBe('images');
  const billed = JSON.parse(row.attempts!)[0].billed;
  expect(billed).toMatchObject({ image_units: 2, estimated: true });
  expect(billed.cost_usd).toBeCloseTo(0.14, 10);
  expect(row.costUsd).toBeCloseTo(0.14, 10);
  expect(row.images).toBe(0);
});

test('a stream that reported usage, then broke before anything reached the client: the next target answers, the row bills both', async () => {
  rig.fake.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'));
  cutCalls = 0;
  const res = await rig.gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(chatBody('bill-pair', { stream: true })) });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('[DONE]');
  expect(cutCalls).toBe(1);
  const row = await rig.gw.waitForRow(res);
  expect(row.model).toBe('lim-model');
  const attempts = JSON.parse(row.attempts!);
  expect(attempts[0].billed).toMatchObject({ prompt_tokens: 1000, completion_tokens: 0, estimated: false });
  expect(attempts[0].billed.cost_usd).toBeCloseTo(1000 * (PRICE / 1e6), 10);
  expect(row.costUsd).toBeGreaterThan(attempts[0].billed.cost_usd);
});
