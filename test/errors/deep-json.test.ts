/**
 * JSON nested absurdly deep (JSON.parse takes it, re-serialising it overflows the stack) is a
 * 400 `invalid_json` in the endpoint's own error shape on every /v1 POST endpoint (with its one
 * log row) and on the admin API, never a 500; a body nested as deep as real ones still works.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MAX_JSON_CONTAINERS, MAX_JSON_DEPTH } from '../../src/api/json-depth';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { useAdminGateway, type Session } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

const upstream = startFakeUpstream((_req, rec) =>
  jsonResponse({
    id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: rec.body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
  }),
);
let gw: TestGateway;
let admin: Session;
useAdminGateway((s) => ({ gw, admin } = s), { env: providerEnv('openai', `${upstream.url}/v1`) });
afterAll(() => upstream.close());

/** An array nested `depth` levels: `[[[…]]]`. */
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const DEEP = 100_000;
const fields = `"model":"gpt-4o-mini","max_tokens":10,"prompt":"a fox","input":"hi","messages":[{"role":"user","content":"hi"}]`;

describe('a body nested too deep', () => {
  const endpoints = [
    ['/v1/chat/completions', 'chat'],
    ['/v1/responses', 'responses'],
    ['/v1/embeddings', 'embeddings'],
    ['/v1/images/generations', 'images'],
    ['/v1/messages', 'messages'],
    ['/v1/messages/count_tokens', 'count_tokens'],
  ] as const;
  for (const [path, endpoint] of endpoints)
    test(`${path}: 400 invalid_json with its log row, no upstream call`, async () => {
      const before = upstream.requests.length;
      const res = await gw.fetch(path, { method: 'POST', body: `{${fields},"extra":${nested(DEEP)}}` });
      expect(res.status).toBe(400);
      const body = (await res.json()) as any;
      const message = `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`;
      if (endpoint === 'messages' || endpoint === 'count_tokens') expect(body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message, details: { error_code: 'invalid_json' } } });
      else expect(body).toEqual({ error: { message, type: 'invalid_request_error', param: null, code: 'invalid_json' } });
      expect(await gw.waitForRow(res)).toMatchObject({ endpoint, status: 400, clientId: gw.clientId });
      expect(upstream.requests.length).toBe(before);
    });

  const adminPost = (path: string, body: string) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body });
  for (const [path, body] of [
    ['/api/clients', `{"name":"deep","models":${nested(DEEP)}}`],
    ['/api/groups', `{"name":"deep","strategy":"heuristic","targets":["gpt-4o-mini"],"settings":{"x":${nested(DEEP)}}}`],
  ] as const)
    test(`${path}: 400 invalid_json`, async () => {
      const res = await adminPost(path, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', param: null });
    });
});

test('a body nested as deep as the limit is served', async () => {
  const schema = JSON.parse(nested(MAX_JSON_DEPTH - 3)); // + the body, tools[] and the tool object
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], metadata: { x: 'y' }, tools_nested: [{ schema }] }),
  });
  expect(res.status).toBe(200);
  expect(upstream.last().body.tools_nested).toEqual([{ schema }]);
});

describe('a large body whose shape would cost JSON.parse hundreds of MB is refused before it is parsed', () => {
  const post = (body: string) => gw.fetch('/v1/chat/completions', { method: 'POST', body });
  test('4 MB of `[` (30 MB took 2.3 GB to parse): 400 naming the depth, not a parse error', async () => {
    const res = await post(`{${fields},"extra":${'['.repeat(4 * 1024 * 1024)}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatchObject({ message: `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`, code: 'invalid_json' });
    expect(await gw.waitForRow(res)).toMatchObject({ endpoint: 'chat', status: 400 });
  });
  test(`more than ${MAX_JSON_CONTAINERS} arrays and objects: 400 invalid_json, no upstream call`, async () => {
    const before = upstream.requests.length;
    const res = await post(`{${fields},"extra":[${'[],'.repeat(MAX_JSON_CONTAINERS)}[]]}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatchObject({ message: 'The request body holds more than 2,000,000 arrays and objects.', code: 'invalid_json', param: null });
    expect(await gw.waitForRow(res)).toMatchObject({ endpoint: 'chat', status: 400 });
    expect(upstream.requests.length).toBe(before);
  });
  test('brackets and escaped quotes inside strings are text: a 3 MB prompt of them is served', async () => {
    const content = `"\\"${'[{'.repeat(1_500_000)}`;
    const res = await post(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }));
    expect(res.status).toBe(200);
    expect(upstream.last().body.messages[0].content).toBe(content);
  });
});

test('the anonymous sign-in refuses nesting from its bytes, before any parse: 500 KB of `[` is told its depth, not a parse error', async () => {
  const res = await fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"username":"admin","password":${'['.repeat(500_000)}` });
  expect(res.status).toBe(400);
  expect(((await res.json()) as any).error).toEqual({ message: `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`, type: 'invalid_request_error', param: null, code: 'invalid_json' });
});
