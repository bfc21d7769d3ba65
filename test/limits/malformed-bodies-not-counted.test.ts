/**
 * A body the endpoint refuses is refused before admission, on every POST /v1 endpoint: a key with
 * rpm=2, a TPM and a budget sends several malformed bodies, each a 400 in the API's own shape with
 * one log row of zero cost, while its windows and budget stay untouched (the rate headers of each
 * 400 show nothing counted or reserved); then two good requests are still admitted. And a key
 * whose budget is spent is still told what is wrong with its body (400), not refused for its budget.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import { openaiEmbeddingAnswer } from '../embeddings/fake-embeddings';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { chatBody, limitedClient, startLimitsRig, type LimitsRig, addEmbeddingAndImageModels } from './limits-helpers';

setDefaultTimeout(30_000);

const RPM = 2;
const TPM = 1_000_000;
const BUDGET = 5;

let rig: LimitsRig;
beforeAll(async () => {
  rig = await startLimitsRig();
  addEmbeddingAndImageModels(rig);
  rig.fake.handler = (_req, rec) => {
    if (rec.path === '/v1/embeddings') return openaiEmbeddingAnswer(rec.body, 5);
    if (rec.path === '/v1/images/generations') return jsonResponse(fixtureJson('images', 'openai-dalle2-b64.json'));
    if (rec.path === '/v1/responses') return jsonResponse(fixtureJson('responses', 'openai-response.json'));
    return jsonResponse(fixtureJson('openai', 'chat.json'));
  };
}, 30_000);
afterAll(() => rig.close());

const hello = [{ role: 'user', content: 'Hello' }];

/** A malformed body and the `param` and `code` (default `invalid_request`) of its 400; Anthropic's shape names neither. */
interface Bad {
  body: unknown;
  param?: string | null;
  code?: string;
}

interface Endpoint {
  path: string;
  logEndpoint: string;
  anthropic?: boolean;
  bad: Bad[];
  good: unknown;
}

const ENDPOINTS: Endpoint[] = [
  {
    path: '/v1/embeddings',
    logEndpoint: 'embeddings',
    bad: [
      { body: { model: 'lim-embed' }, param: 'input' },
      { body: { model: 'lim-embed', input: 42 }, param: 'input', code: 'invalid_input' },
      { body: { model: 'lim-embed', input: ['a', ''] }, param: 'input', code: 'invalid_input' },
      { body: { model: 'lim-embed', input: 'Hello', dimensions: 0 }, param: 'dimensions' },
      { body: { input: 'Hello' }, param: 'model' },
      { body: [], param: null },
    ],
    good: { model: 'lim-embed', input: 'Hello' },
  },
  {
    path: '/v1/images/generations',
    logEndpoint: 'images',
    bad: [
      { body: { model: 'lim-dalle' }, param: 'prompt' },
      { body: { model: 'lim-dalle', prompt: 'a cat', n: 99 }, param: 'n' },
      { body: { model: 'lim-dalle', prompt: 'a cat', stream: true }, param: 'stream', code: 'unsupported_parameter' },
      { body: { model: 'lim-dalle', prompt: 'a cat', response_format: 'gif' }, param: 'response_format' },
      { body: { prompt: 'a cat' }, param: 'model' },
    ],
    good: { model: 'lim-dalle', prompt: 'a cat', n: 1, size: '256x256' },
  },
  {
    path: '/v1/responses',
    logEndpoint: 'responses',
    bad: [
      { body: { model: 'lim-model', input: 42 }, param: 'input' },
      { body: { model: 42, input: 'Hello' }, param: 'model' },
      { body: { model: 'lim-model', input: 'Hello', stream: 'yes' }, param: 'stream' },
      { body: { model: 'lim-model', input: 'Hello', temperature: 'hot' }, param: 'temperature' },
      { body: null, param: null },
    ],
    good: { model: 'lim-model', input: 'Hello', max_output_tokens: 20 },
  },
  {
    path: '/v1/messages/count_tokens',
    logEndpoint: 'count_tokens',
    anthropic: true,
    bad: [
      { body: { model: 'lim-model' } },
      { body: { messages: hello } },
      { body: { model: 'lim-model', messages: [{ role: 'bot', content: 'Hello' }] } },
      { body: 'text' },
    ],
    good: { model: 'lim-model', messages: hello },
  },
  // Chat and messages checked theirs before admission already: kept here so every POST /v1 is.
  {
    path: '/v1/chat/completions',
    logEndpoint: 'chat',
    bad: [
      { body: { model: 'lim-model', messages: 'nope' }, param: 'messages' },
      { body: chatBody('lim-model', { temperature: 9 }), param: 'temperature' },
      { body: chatBody('lim-model', { stream: 'yes' }), param: 'stream' },
    ],
    good: chatBody(),
  },
  {
    path: '/v1/messages',
    logEndpoint: 'messages',
    anthropic: true,
    bad: [{ body: { model: 'lim-model', messages: hello } }, { body: { model: 'lim-model', max_tokens: 10, messages: [] } }, { body: { max_tokens: 10, messages: hello } }],
    good: { model: 'lim-model', max_tokens: 10, messages: hello },
  },
];

const post = (key: string, path: string, body: unknown, anthropic?: boolean) =>
  fetch(`${rig.gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(anthropic ? { 'anthropic-version': '2023-06-01' } : {}) },
    body: JSON.stringify(body),
  });

const scopeOf = (id: number) => rig.gw.ctx.state.getSnapshot().clientsById!.get(id)!.limits!.scopes[0]!;
const rowsOf = (requestId: string) => rig.gw.logs.filter((r) => r.requestId === requestId);

for (const ep of ENDPOINTS) {
  test(`POST ${ep.path}: malformed bodies count against neither rpm=${RPM} nor the TPM nor the budget; good requests are still admitted`, async () => {
    const c = await limitedClient(rig.gw, `malformed-${ep.logEndpoint}`, { rpm: RPM, tpm: TPM, budgetUsd: BUDGET, budgetPeriod: 'day' });
    const refusedIds: string[] = [];
    // Twice over: more refusals than the key has requests in its window.
    for (const bad of [...ep.bad, ...ep.bad]) {
      const res = await post(c.key, ep.path, bad.body, ep.anthropic);
      const where = `${ep.path} ${JSON.stringify(bad.body)}`;
      const body = (await res.json()) as any;
      expect({ where, status: res.status }).toEqual({ where, status: 400 });
      if (ep.anthropic) {
        expect({ where, body }).toEqual({ where, body: { type: 'error', error: { type: 'invalid_request_error', message: expect.any(String), details: { error_code: bad.code ?? 'invalid_request' } } } });
        expect(res.headers.get('request-id')).toBe(res.headers.get('x-request-id'));
      } else {
        expect({ where, body }).toEqual({ where, body: { error: { message: expect.any(String), type: 'invalid_request_error', param: bad.param, code: bad.code ?? 'invalid_request' } } });
      }
      // Nothing counted or reserved: the windows as they were before any request.
      expect({ where, requests: res.headers.get('x-ratelimit-remaining-requests'), tokens: res.headers.get('x-ratelimit-remaining-tokens') })
        .toEqual({ where, requests: String(RPM), tokens: String(TPM) });
      const id = res.headers.get('x-request-id')!;
      const row = await rig.gw.waitForRow(id);
      expect({ where, status: row.status, endpoint: row.endpoint, cost: row.costUsd, clientId: row.clientId }).toEqual({ where, status: 400, endpoint: ep.logEndpoint as any, cost: 0, clientId: c.id });
      refusedIds.push(id);
    }
    expect(rig.gw.ctx.limits.counters.outstanding(scopeOf(c.id))).toEqual({ reservedUsd: 0, inFlight: 0 });
    expect(rig.gw.ctx.limits.counters.spend(scopeOf(c.id), rig.clock.now)).toBe(0);

    // The key's whole window is still there: both its requests are admitted.
    for (const left of [RPM - 1, RPM - 2]) {
      const res = await post(c.key, ep.path, ep.good, ep.anthropic);
      const text = await res.text();
      expect({ status: res.status, body: res.status === 200 ? '' : text }).toEqual({ status: 200, body: '' });
      expect(res.headers.get('x-ratelimit-remaining-requests')).toBe(String(left));
      await rig.gw.waitForRow(res);
    }
    expect((await post(c.key, ep.path, ep.good, ep.anthropic)).status).toBe(429);
    // Each refusal left exactly one row, and none came late.
    for (const id of refusedIds) expect({ id, rows: rowsOf(id).length }).toEqual({ id, rows: 1 });
  });
}

for (const ep of ENDPOINTS) {
  test(`POST ${ep.path}: a key whose budget is spent still gets each malformed body's 400, not the budget's 429`, async () => {
    const c = await limitedClient(rig.gw, `spent-${ep.logEndpoint}`, { budgetUsd: 0, budgetPeriod: 'day' });
    for (const bad of ep.bad) {
      const res = await post(c.key, ep.path, bad.body, ep.anthropic);
      const where = `${ep.path} ${JSON.stringify(bad.body)}`;
      expect({ where, status: res.status, body: await res.text() }).toEqual({ where, status: 400, body: expect.stringContaining('invalid_request_error') });
      const row = await rig.gw.waitForRow(res);
      expect({ where, status: row.status, cost: row.costUsd }).toEqual({ where, status: 400, cost: 0 });
    }
    // The budget is in force: a good request is refused by it.
    const res = await post(c.key, ep.path, ep.good, ep.anthropic);
    expect({ status: res.status, body: await res.text() }).toEqual({ status: 429, body: expect.stringContaining('Budget exceeded') });
  });
}
