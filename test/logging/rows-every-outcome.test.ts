/**
 * One log row per request, on every /v1 endpoint that logs, for each way a request ends: success,
 * an upstream error, an upstream that never answers (timeout), a client that hangs up mid-stream,
 * a refusal by the key's limits, and a validation error. Each row is picked by the x-request-id of
 * its answer and must carry what an operator reads: provider, models asked and served, status,
 * error type, tokens, cost, latency, overhead, queue wait, stream flag, key and team.
 */
import { afterAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { jsonResponse, okCompletion, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import type { LogRow } from '../../src/logging/log-row';

setDefaultTimeout(60_000);

const usage = { input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 4 };
const chunk = (model: string, delta: object, extra: object = {}) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;

/** The fake's answer by the model's name: `*-fail` 500, `*-hang` never answers, `*-stall` streams a chunk then stalls. */
const fake = startFakeUpstream((req, rec) => {
  const model: string = rec.body?.model ?? '';
  if (model.endsWith('-fail')) return jsonResponse({ error: { message: 'upstream broke', type: 'server_error' } }, 500);
  if (model.endsWith('-hang')) return new Promise<Response>(() => {});
  const responses = rec.path.endsWith('/responses');
  const created = `event: response.created\ndata: ${JSON.stringify({ type: 'response.created', sequence_number: 0, response: { id: 'resp_s', object: 'response', created_at: 1, status: 'in_progress', model, output: [] } })}\n\n`;
  if (model.endsWith('-stall')) {
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(responses ? created : chunk(model, { role: 'assistant', content: 'he' })));
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  }
  if (rec.path.endsWith('/embeddings')) return jsonResponse({ object: 'list', model, data: [{ object: 'embedding', index: 0, embedding: [0.1] }], usage: { prompt_tokens: 2, total_tokens: 2 } });
  if (rec.path.endsWith('/images/generations')) return jsonResponse({ created: 1, data: [{ b64_json: 'aGk=' }] });
  if (responses && rec.body?.stream) {
    const output = [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [] }] }];
    const done = { type: 'response.completed', sequence_number: 1, response: { id: 'resp_s', object: 'response', created_at: 1, status: 'completed', model, output, usage } };
    return new Response(`${created}event: response.completed\ndata: ${JSON.stringify(done)}\n\n`, { headers: { 'content-type': 'text/event-stream' } });
  }
  if (responses) {
    const output = [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [] }] }];
    return jsonResponse({ id: `resp_${crypto.randomUUID().replaceAll('-', '')}`, object: 'response', created_at: 1, status: 'completed', model, output, usage, error: null, incomplete_details: null });
  }
  if (rec.body?.stream) {
    const text = chunk(model, { role: 'assistant', content: 'ok' }) + chunk(model, {}, { choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }) + 'data: [DONE]\n\n';
    return new Response(text, { headers: { 'content-type': 'text/event-stream' } });
  }
  return okCompletion(model);
});
let gw: TestGateway;
useGateway((g) => (gw = g), { env: providerEnv('openai', `${fake.url}/v1`, { LLM_PROXY__UPSTREAM__TIMEOUT_S: '1', LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '1' }) });
afterAll(() => fake.close());

type Endpoint = 'chat' | 'responses' | 'messages' | 'count_tokens' | 'embeddings' | 'images';
const BODIES: Record<Endpoint, { path: string; body: (model: string, stream?: boolean) => object }> = {
  chat: { path: '/v1/chat/completions', body: (model, stream) => ({ model, stream, messages: [{ role: 'user', content: 'hi' }] }) },
  responses: { path: '/v1/responses', body: (model, stream) => ({ model, stream, input: 'hi' }) },
  messages: { path: '/v1/messages', body: (model, stream) => ({ model, stream, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }) },
  count_tokens: { path: '/v1/messages/count_tokens', body: (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] }) },
  embeddings: { path: '/v1/embeddings', body: (model) => ({ model, input: 'hi' }) },
  images: { path: '/v1/images/generations', body: (model) => ({ model, prompt: 'a fox' }) },
};

async function send(endpoint: Endpoint, model: string, opts: { stream?: boolean; key?: string; raw?: string } = {}) {
  const { path, body } = BODIES[endpoint];
  const headers: Record<string, string> = opts.key ? { authorization: `Bearer ${opts.key}` } : {};
  const res = await gw.fetch(path, { method: 'POST', body: opts.raw ?? JSON.stringify(body(model, opts.stream)), headers });
  const text = await res.text();
  return { res, text };
}

/** The one row of an answer, and no second one a moment later. */
async function rowOf(res: Response): Promise<LogRow> {
  const row = await gw.waitForRow(res);
  await Bun.sleep(20);
  expect(gw.logs.filter((r) => r.requestId === row.requestId).length).toBe(1);
  return row;
}

function expectFilled(row: LogRow, endpoint: Endpoint) {
  expect(row.endpoint).toBe(endpoint);
  expect(row.clientId).toBe(gw.clientId);
  expect(typeof row.modelRequested).toBe('string');
  expect(row.latencyMs).toBeGreaterThan(0);
  expect(Number.isFinite(row.overheadMs)).toBe(true);
  expect(row.overheadMs).toBeGreaterThanOrEqual(0);
  expect(row.instance ?? gw.ctx.config.instanceId).toBe(gw.ctx.config.instanceId);
  expect(row.createdAt).toBeGreaterThan(0);
}

const SERVED: Endpoint[] = ['chat', 'responses', 'messages', 'embeddings', 'images'];

describe('one row, filled in, per request and outcome', () => {
  // Failures of one test must not open the circuit another test's request meets.
  beforeEach(() => gw.ctx.breakers.reset());

  // The cases that wait out the 1 s upstream timeout run side by side (test.concurrent), each
  // picking its own row (by x-request-id, or by a key of its own). Those five timeouts are one
  // group: their failures can open a circuit only once all five were let through.
  for (const endpoint of SERVED) {
    test.concurrent(`${endpoint}: upstream timeout`, async () => {
      const { res } = await send(endpoint, endpoint === 'images' ? 'openai/dall-e-3-hang' : 'openai/m-hang');
      expect(res.status).toBe(504);
      const row = await rowOf(res);
      expectFilled(row, endpoint);
      expect(row).toMatchObject({ provider: 'openai', status: 504, errorType: 'upstream_timeout', costUsd: 0 });
      expect(row.latencyMs).toBeGreaterThanOrEqual(900);
    });
  }

  for (const endpoint of SERVED) {
    test(`${endpoint}: success`, async () => {
      const { res } = await send(endpoint, endpoint === 'images' ? 'openai/dall-e-3' : 'openai/m-ok');
      expect(res.status).toBe(200);
      const row = await rowOf(res);
      expectFilled(row, endpoint);
      expect(row).toMatchObject({ provider: 'openai', status: 200, errorType: null, stream: false });
      expect(row.model).toBeTruthy();
      expect(row.queueMs).not.toBeNull();
      if (endpoint !== 'images') expect(row.promptTokens).toBeGreaterThan(0);
    });

    test(`${endpoint}: upstream error`, async () => {
      const { res } = await send(endpoint, endpoint === 'images' ? 'openai/dall-e-3-fail' : 'openai/m-fail');
      expect(res.status).toBeGreaterThanOrEqual(500);
      const row = await rowOf(res);
      expectFilled(row, endpoint);
      expect(row).toMatchObject({ provider: 'openai', status: res.status, costUsd: 0 });
      expect(row.errorType).toBeTruthy();
      expect(row.error).toBeTruthy();
    });

    test(`${endpoint}: validation error`, async () => {
      const { res } = await send(endpoint, 'openai/m-ok', { raw: '{"model": 5}' });
      expect(res.status).toBe(400);
      const row = await rowOf(res);
      expectFilled(row, endpoint);
      expect(row.status).toBe(400);
      expect(row.errorType).toBeTruthy();
    });

    test(`${endpoint}: refused by the key's limits`, async () => {
      const key = gw.addClient(`limited-${endpoint}`);
      gw.ctx.sqlite.run(`UPDATE clients SET models = '["gpt-4o"]' WHERE id = ${key.id}`);
      gw.ctx.state.reload();
      const { res } = await send(endpoint, 'openai/m-ok', { key: key.key });
      expect(res.status).toBe(403);
      const row = await rowOf(res);
      expect(row).toMatchObject({ endpoint, clientId: key.id, status: 403, costUsd: 0 });
      expect(row.errorType).toBeTruthy();
    });
  }

  // The hang-ups and the silent streams wait out the 1 s upstream timeout side by side too (one
  // group: the three silent streams are fewer failures than open a circuit).
  for (const endpoint of SERVED) {
    test.concurrent(`${endpoint}: the client hangs up while the upstream has not answered`, async () => {
      gw.ctx.state.reload();
      const key = gw.addClient(`leaves-${endpoint}`);
      const ac = new AbortController();
      const { path, body } = BODIES[endpoint];
      // A model of this case's own: its request is told from the others' at the upstream.
      const upstreamModel = endpoint === 'images' ? 'dall-e-3-leaves-hang' : `m-leaves-${endpoint}-hang`;
      const atUpstream = () => fake.requests.filter((r) => r.body?.model === upstreamModel).length;
      const before = atUpstream();
      const sent = gw.fetch(path, { method: 'POST', body: JSON.stringify(body(`openai/${upstreamModel}`)), headers: { authorization: `Bearer ${key.key}` }, signal: ac.signal }).catch((e) => e);
      for (let i = 0; i < 500 && atUpstream() === before; i++) await Bun.sleep(5);
      expect(atUpstream()).toBe(before + 1);
      ac.abort();
      await sent;
      const [row] = await gw.waitForClientRows(key.id, 1);
      await Bun.sleep(1_200); // past the upstream timeout: no second row
      expect(gw.logs.filter((r) => r.clientId === key.id).length).toBe(1);
      expect(row).toMatchObject({ endpoint, provider: 'openai', status: 499, errorType: 'client_closed_request', costUsd: 0 });
      expect(row!.latencyMs).toBeGreaterThan(0);
    });
  }

  for (const endpoint of ['chat', 'messages', 'responses'] as const) {
    test.concurrent(`${endpoint}: a stream whose upstream falls silent`, async () => {
      const { res, text } = await send(endpoint, 'openai/m-stall', { stream: true });
      expect(res.status).toBe(200);
      expect(text).toContain('error');
      const row = await rowOf(res);
      expectFilled(row, endpoint);
      expect(row).toMatchObject({ provider: 'openai', stream: true });
      expect(row.errorType).toBeTruthy();
      expect(row).toMatchObject({ status: 504, errorType: 'upstream_timeout' });
    });
  }

  test('the free reads and the calls on a stored response write no row and name none (README)', async () => {
    const { res, text } = await send('responses', 'openai/m-ok');
    const id = JSON.parse(text).id as string;
    await rowOf(res);
    const rows = gw.logs.length;
    const calls: Array<[string, string]> = [
      ['GET', `/v1/responses/${id}`], ['GET', `/v1/responses/${id}/input_items`], ['GET', '/v1/models'], ['GET', '/v1/models/gpt-4o'],
      ['GET', '/v1/responses/resp_nope'], ['DELETE', '/v1/responses/resp_nope'], ['POST', '/v1/responses/resp_nope/cancel'],
    ];
    for (const [method, path] of calls) {
      const r = await gw.fetch(path, { method });
      await r.arrayBuffer();
      expect({ path, id: r.headers.get('x-request-id') }).toEqual({ path, id: null });
    }
    await Bun.sleep(50);
    expect(gw.logs.length).toBe(rows);
  });

  test('/v1/messages and count_tokens name their row as request-id too', async () => {
    for (const endpoint of ['messages', 'count_tokens'] as const) {
      for (const raw of [undefined, '{"model": 5}']) {
        const { res } = await send(endpoint, 'openai/m-ok', { raw });
        expect(res.headers.get('request-id')).toBe(res.headers.get('x-request-id'));
        await rowOf(res);
      }
    }
  });

  test('count_tokens: success and validation error', async () => {
    const ok = await send('count_tokens', 'openai/m-ok');
    expect(ok.res.status).toBe(200);
    const row = await rowOf(ok.res);
    expectFilled(row, 'count_tokens');
    expect(row.status).toBe(200);
    const bad = await send('count_tokens', 'x', { raw: '{"model": 5}' });
    expect(bad.res.status).toBe(400);
    expectFilled(await rowOf(bad.res), 'count_tokens');
  });

  for (const endpoint of ['chat', 'responses', 'messages'] as const) {
    test(`${endpoint}: a stream, whole and left by its client`, async () => {
      const { res } = await send(endpoint, 'openai/m-ok', { stream: true });
      expect(res.status).toBe(200);
      const row = await rowOf(res);
      expectFilled(row, endpoint);
      expect(row).toMatchObject({ provider: 'openai', status: 200, stream: true });
      expect(row.ttfbMs).not.toBeNull();

      const ac = new AbortController();
      const left = await gw.fetch(BODIES[endpoint].path, { method: 'POST', body: JSON.stringify(BODIES[endpoint].body('openai/m-stall', true)), signal: ac.signal });
      expect(left.status).toBe(200);
      const reader = left.body!.getReader();
      await reader.read();
      ac.abort();
      const gone = await rowOf(left);
      expectFilled(gone, endpoint);
      expect(gone).toMatchObject({ provider: 'openai', status: 499, stream: true, errorType: 'client_closed_request' });
    });
  }

  test('a client-sent x-request-id is not taken: the answer names a fresh id, each row its own', async () => {
    const ids = new Set<string>();
    for (const sent of ['same', 'same', 'a'.repeat(10_000), 'bad\u0001id']) {
      const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(BODIES.chat.body('openai/m-ok')), headers: { 'x-request-id': sent.replace(/[^\x20-\x7e]/g, '') } });
      await res.text();
      const id = res.headers.get('x-request-id')!;
      expect(id).not.toBe(sent);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      ids.add((await rowOf(res)).requestId);
    }
    expect(ids.size).toBe(4);
  });
});
