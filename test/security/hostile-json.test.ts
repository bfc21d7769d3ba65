/**
 * Hostile JSON bodies on every /v1 POST endpoint, sent as raw text so the numbers and keys reach
 * the gateway exactly as written: numbers JSON.parse turns into Infinity, -0 or an unsafe integer,
 * duplicate keys, `__proto__`/`constructor` keys, odd model names. Each is a clear 4xx in the
 * endpoint's own error shape (or a plain success), never a 500, with exactly one log row.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { okCompletion, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

let gw: TestGateway;
let fake: FakeUpstream;
beforeAll(async () => {
  fake = startFakeUpstream((_req, rec) =>
    rec.path.endsWith('/embeddings')
      ? Response.json({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: rec.body.model, usage: { prompt_tokens: 1, total_tokens: 1 } })
      : okCompletion(rec.body?.model ?? 'gpt-4o-mini'),
  );
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'sk-hostile-json-0123456789' } });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

/** POSTs `text` as it is; returns the status, the parsed body and the number of log rows the request left. */
async function post(path: string, text: string) {
  const res = await gw.fetch(path, { method: 'POST', body: text });
  const body = (await res.json()) as any;
  const row = await gw.waitForRow(res); // throws when the request left two rows
  return { status: res.status, body, row };
}

const CHAT = '/v1/chat/completions';
const chat = (extra: string) => `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]${extra}}`;
const HUGE = ['1e309', '-1e309', '18446744073709551616', '9007199254740993', '1e308'];

test('numbers JSON cannot hold exactly in integer fields are 400 naming the field, on every endpoint', async () => {
  const cases: [string, string, string][] = [];
  for (const v of HUGE) {
    for (const field of ['max_tokens', 'max_completion_tokens', 'n', 'seed', 'top_logprobs']) cases.push([CHAT, chat(`,"${field}":${v}`), field]);
    cases.push(['/v1/embeddings', `{"model":"text-embedding-3-small","input":"hi","dimensions":${v}}`, 'dimensions']);
    cases.push(['/v1/images/generations', `{"model":"dall-e-3","prompt":"hi","n":${v}}`, 'n']);
    cases.push(['/v1/responses', `{"model":"gpt-4o-mini","input":"hi","max_output_tokens":${v}}`, 'max_output_tokens']);
  }
  for (const [path, text, param] of cases) {
    const r = await post(path, text);
    expect({ text, status: r.status, param: r.body.error?.param }).toEqual({ text, status: 400, param });
    expect(r.row.status).toBe(400);
  }
  expect(fake.requests.length).toBe(0);
});

test('/v1/messages refuses a max_tokens or thinking budget past 2^53 in Anthropic shape (it was lowered and sent)', async () => {
  for (const v of HUGE) {
    for (const text of [
      `{"model":"gpt-4o-mini","max_tokens":${v},"messages":[{"role":"user","content":"hi"}]}`,
      `{"model":"gpt-4o-mini","max_tokens":100,"thinking":{"type":"enabled","budget_tokens":${v}},"messages":[{"role":"user","content":"hi"}]}`,
    ]) {
      const r = await post('/v1/messages', text);
      expect({ text, status: r.status, type: r.body.type, errType: r.body.error?.type }).toEqual({ text, status: 400, type: 'error', errType: 'invalid_request_error' });
    }
  }
  const missing = await post('/v1/messages', '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}');
  expect(missing.body.error.message).toBe('max_tokens: Field required');
  expect(fake.requests.length).toBe(0);
});

test('-0 and underflowing numbers in ranged fields are the number 0 and go up as 0', async () => {
  for (const [field, v] of [['temperature', '-0'], ['top_p', '1e-400'], ['presence_penalty', '-0']] as const) {
    const r = await post(CHAT, chat(`,"${field}":${v}`));
    expect(r.status).toBe(200);
    expect(JSON.stringify(fake.last().body[field])).toBe('0');
  }
  for (const field of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty']) {
    const r = await post(CHAT, chat(`,"${field}":1e309`));
    expect({ field, status: r.status, param: r.body.error?.param }).toEqual({ field, status: 400, param: field });
  }
});

test('a duplicate key counts once, the last one, for validation, routing and the upstream alike', async () => {
  const r = await post(CHAT, '{"model":"no-such-model","model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":0,"max_tokens":5}');
  expect(r.status).toBe(200);
  expect(r.row.model).toBe('gpt-4o-mini');
  expect(fake.last().body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 5 });
  const bad = await post(CHAT, '{"model":"gpt-4o-mini","model":"no-such-model","messages":[{"role":"user","content":"hi"}]}');
  expect(bad.status).toBe(404);
});

test('__proto__ and constructor keys are plain data: no field is read through them, nothing is polluted', async () => {
  const viaProto = await post(CHAT, '{"__proto__":{"model":"gpt-4o-mini"},"messages":[{"role":"user","content":"hi"}]}');
  expect({ status: viaProto.status, param: viaProto.body.error?.param }).toEqual({ status: 400, param: 'model' });
  const msgProto = await post(CHAT, '{"model":"gpt-4o-mini","messages":[{"__proto__":{"role":"user","content":"hi"}}]}');
  expect({ status: msgProto.status, param: msgProto.body.error?.param }).toEqual({ status: 400, param: 'messages[0].role' });
  for (const role of ['__proto__', 'constructor', 'toString']) {
    const r = await post(CHAT, `{"model":"gpt-4o-mini","messages":[{"role":"${role}","content":"hi"}]}`);
    expect({ role, status: r.status }).toEqual({ role, status: 400 });
  }
  for (const path of [CHAT, '/v1/embeddings', '/v1/images/generations', '/v1/responses'])
    for (const model of ['__proto__', 'constructor', 'hasOwnProperty', '__proto__/x', 'constructor/x']) {
      const body = path === CHAT ? `{"model":"${model}","messages":[{"role":"user","content":"hi"}]}` : `{"model":"${model}","input":"hi","prompt":"hi"}`;
      const r = await post(path, body);
      expect({ path, model, status: r.status, code: r.body.error?.code }).toEqual({ path, model, status: 404, code: 'model_not_found' });
    }
  const extra = await post(CHAT, chat(',"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"logit_bias":{"__proto__":5}'));
  expect(extra.status).toBe(200);
  expect(({} as any).polluted).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(fake.last().body.logit_bias, '__proto__')).toBe(true);
});

test('model names with unicode, control or bidi characters, or past 256 characters, are refused before routing', async () => {
  const refused = ['gpt-4o\\udc00', 'gpt-4o-mini\\u0000', 'gpt-4o-mini\\r\\nx-evil: 1', 'openai/gpt-4o-mini\\r\\nx-evil: 1', 'gpt-4o-mini\\u202e', 'a'.repeat(257)];
  for (const model of refused)
    for (const path of [CHAT, '/v1/embeddings', '/v1/responses']) {
      const r = await post(path, `{"model":"${model}","messages":[{"role":"user","content":"hi"}],"input":"hi"}`);
      expect({ path, model: model.slice(0, 30), status: r.status, code: r.body.error?.code }).toEqual({ path, model: model.slice(0, 30), status: 400, code: 'invalid_model' });
    }
  // Printable unicode is a name like any other: an unknown one is 404; a provider's is sent in the JSON body only.
  expect((await post(CHAT, '{"model":"gpt-4o-mini-ü日本","messages":[{"role":"user","content":"hi"}]}')).status).toBe(404);
  const r = await post(CHAT, '{"model":"openai/gpt-ü日本 ../../x?y#z","messages":[{"role":"user","content":"hi"}]}');
  expect(r.status).toBe(200);
  expect(fake.last()).toMatchObject({ path: '/v1/chat/completions', body: { model: 'gpt-ü日本 ../../x?y#z' } });
});
