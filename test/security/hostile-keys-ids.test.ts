/**
 * Keys, ids and paging values as an attacker or a sloppy client sends them: both key headers with
 * different keys, keys that are too long, repeated or look-alikes; stored-response and model ids
 * that are huge, unicode, encoded slashes or SQL; `limit` spelled as hex or an exponent; -0 and
 * underflowing numbers in integer fields. Each is a clear error in the route's own shape, never a
 * 500, and every /v1 POST with a valid key leaves exactly one log row.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { checkAnswer, checkOneRow } from '../fuzz/fuzz-http-kit';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { answersOf, exchange, requestHead } from '../helpers/raw-http';
import type { TestGateway } from '../helpers/start-gateway';
import { CHAT, MESSAGE, useHostileRig } from './hostile-http-rig';

setDefaultTimeout(60_000);

let gw: TestGateway;
let openai: FakeUpstream;
let other: { key: string; id: number };
let storedId: string;
useHostileRig((rig) => {
  ({ gw, openai, storedId } = rig);
  other = gw.addClient('other key');
});

const COUNT = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
const post = (path: string, body: string, headers: Record<string, string>) => fetch(`${gw.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

/** A 401 in the route's shape, with no request id and so no row. */
async function expect401(res: Response, shape: 'openai' | 'anthropic', what: string) {
  const { body } = await checkAnswer(res, shape, what);
  expect({ what, status: res.status, type: body.error.type }).toEqual({ what, status: 401, type: 'authentication_error' });
  expect(res.headers.get('x-request-id')).toBeNull();
}

describe('both x-api-key and Authorization', () => {
  const anthropicRoutes = [['/v1/messages', MESSAGE], ['/v1/messages/count_tokens', COUNT]] as const;

  test('on the Anthropic routes the Authorization decides: a wrong bearer key is a 401 beside a good x-api-key', async () => {
    for (const [path, body] of anthropicRoutes)
      await expect401(await post(path, body, { authorization: 'Bearer gg-wrong-key', 'x-api-key': gw.clientKey }), 'anthropic', path);
    const list = await fetch(`${gw.url}/v1/models`, { headers: { authorization: 'Bearer gg-wrong-key', 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01' } });
    await expect401(list, 'anthropic', 'GET /v1/models');
  });

  test('two good keys: the request is the bearer key\'s, its row under that client', async () => {
    for (const [path, body] of anthropicRoutes) {
      const res = await post(path, body, { authorization: `Bearer ${other.key}`, 'x-api-key': gw.clientKey });
      expect(res.status).toBe(200);
      expect((await gw.waitForRow(res)).clientId).toBe(other.id);
    }
    // An empty Authorization is no Authorization: the x-api-key is taken.
    const res = await post('/v1/messages', MESSAGE, { authorization: '', 'x-api-key': other.key });
    expect(res.status).toBe(200);
    expect((await gw.waitForRow(res)).clientId).toBe(other.id);
  });

  test('the OpenAI routes read only Authorization: an x-api-key alone is a missing key, beside a bearer key it is ignored', async () => {
    for (const path of ['/v1/chat/completions', '/v1/responses']) {
      const res = await post(path, path.endsWith('responses') ? '{"model":"mock/echo","input":"hi"}' : CHAT, { 'x-api-key': gw.clientKey });
      await expect401(res, 'openai', path);
    }
    await expect401(await fetch(`${gw.url}/v1/responses/${storedId}`, { headers: { 'x-api-key': gw.clientKey } }), 'openai', 'GET stored');
    const res = await post('/v1/chat/completions', CHAT, { authorization: `Bearer ${other.key}`, 'x-api-key': gw.clientKey });
    expect((await gw.waitForRow(res)).clientId).toBe(other.id);
  });
});

describe('odd key values', () => {
  test('an 8 KB key, a scheme in x-api-key, `Bearer:` and a look-alike key are 401s in the route\'s shape', async () => {
    const long = 'k'.repeat(8_000);
    const lookAlike = gw.clientKey.replace('t', '\u0442'); // Cyrillic te
    const cases: [string, string, Record<string, string>, 'openai' | 'anthropic'][] = [
      ['/v1/chat/completions', CHAT, { authorization: `Bearer ${long}` }, 'openai'],
      ['/v1/messages', MESSAGE, { 'x-api-key': long }, 'anthropic'],
      ['/v1/messages', MESSAGE, { 'x-api-key': `Bearer ${gw.clientKey}` }, 'anthropic'],
      ['/v1/embeddings', '{"model":"mock/embed","input":"a"}', { authorization: `Bearer: ${gw.clientKey}` }, 'openai'],
      // fetch sends only Latin-1 in headers: the look-alike goes as UTF-8 bytes.
      ['/v1/messages', MESSAGE, { 'x-api-key': Buffer.from(lookAlike).toString('latin1') }, 'anthropic'],
      ['/v1/chat/completions', CHAT, { authorization: `Bearer ${Buffer.from(lookAlike).toString('latin1')}` }, 'openai'],
    ];
    for (const [path, body, headers, shape] of cases) await expect401(await post(path, body, headers), shape, `${path} ${JSON.stringify(headers).slice(0, 40)}`);
  });

  test('a key header sent twice is a 401, even with the same key both times (never the first or the last taken)', async () => {
    const CT = 'Content-Type: application/json';
    for (const [path, body, lines, shape] of [
      ['/v1/chat/completions', CHAT, [`Authorization: Bearer ${gw.clientKey}`, `Authorization: Bearer ${other.key}`], 'openai'],
      ['/v1/chat/completions', CHAT, [`Authorization: Bearer ${gw.clientKey}`, `Authorization: Bearer ${gw.clientKey}`], 'openai'],
      ['/v1/messages', MESSAGE, [`x-api-key: ${gw.clientKey}`, `x-api-key: ${gw.clientKey}`], 'anthropic'],
    ] as const) {
      const r = await exchange(gw.url, requestHead('POST', path, [...lines, CT, 'Connection: close', `Content-Length: ${body.length}`]) + body);
      const [a] = answersOf(r.text);
      await expect401(new Response(a!.body, { status: a!.status, headers: a!.headers }), shape, `${path} ${lines[0]!.slice(0, 14)} twice`);
      // The words name the header the client sent twice.
      expect(JSON.parse(a!.body).error.message).toStartWith(`Malformed ${lines[0]!.split(':')[0]} header`);
    }
  });
});

const HOSTILE_IDS = ['x'.repeat(5_000), '日本語', 'a/b', "1' OR 1=1--", 'resp_\u0000', '../../etc/passwd', 'resp_\u202e', '\ufffd', '%41', ' ', '__proto__', 'constructor'];

describe('hostile ids', () => {
  test('stored-response reads, deletes, cancels and item lists: 404 in OpenAI\'s shape naming the id briefly; the stored one untouched', async () => {
    for (const raw of HOSTILE_IDS) {
      const id = encodeURIComponent(raw);
      for (const [method, path] of [['GET', `/v1/responses/${id}`], ['DELETE', `/v1/responses/${id}`], ['POST', `/v1/responses/${id}/cancel`], ['GET', `/v1/responses/${id}/input_items?limit=5`]] as const) {
        const res = await gw.fetch(path, { method });
        const what = `${method} ${path.slice(0, 60)}`;
        const { body } = await checkAnswer(res, 'openai', what);
        expect({ what, status: res.status, code: body.error.code }).toEqual({ what, status: 404, code: 'not_found' });
        expect(body.error.message.length).toBeLessThan(300);
      }
    }
    // Another key's id is as unknown as any.
    const foreign = await fetch(`${gw.url}/v1/responses/${storedId}`, { method: 'DELETE', headers: { authorization: `Bearer ${other.key}` } });
    expect(foreign.status).toBe(404);
    expect((await gw.fetch(`/v1/responses/${storedId}`)).status).toBe(200);
  });

  test('model ids: 404 model_not_found in OpenAI\'s shape, or Anthropic\'s not_found_error for Anthropic\'s clients', async () => {
    for (const raw of HOSTILE_IDS) {
      const path = `/v1/models/${encodeURIComponent(raw)}`;
      const res = await gw.fetch(path);
      const { body } = await checkAnswer(res, 'openai', path);
      expect({ path, status: res.status, code: body.error.code }).toEqual({ path, status: 404, code: 'model_not_found' });
      expect(body.error.message.length).toBeLessThan(400);
      const anthropic = await fetch(`${gw.url}${path}`, { headers: { 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01' } });
      const a = await checkAnswer(anthropic, 'anthropic', path);
      expect({ path, status: anthropic.status, type: a.body.error.type }).toEqual({ path, status: 404, type: 'not_found_error' });
    }
  });
});

describe('paging values', () => {
  const NOT_PLAIN = ['0x10', '1e1', ' 5', '5 ', '+5', '05', '5.0', '', '0', '-0', '1e400', '9007199254740993'];

  test('input_items: limit in anything but plain decimal digits, or out of 1-100, is a 400 naming it', async () => {
    for (const limit of [...NOT_PLAIN, '101']) {
      const res = await gw.fetch(`/v1/responses/${storedId}/input_items?limit=${encodeURIComponent(limit)}`);
      const { body } = await checkAnswer(res, 'openai', `limit=${limit}`);
      expect({ limit, status: res.status, param: body.error.param }).toEqual({ limit, status: 400, param: 'limit' });
    }
    const page = await gw.fetch(`/v1/responses/${storedId}/input_items?limit=1&order=asc`);
    expect(((await page.json()) as any).data).toHaveLength(1);
    for (const [param, value] of [['after', 'x'.repeat(5_000)], ['before', "' OR 1=1--"]]) {
      const res = await gw.fetch(`/v1/responses/${storedId}/input_items?${param}=${encodeURIComponent(value)}`);
      const { body } = await checkAnswer(res, 'openai', param);
      expect({ status: res.status, param: body.error.param }).toEqual({ status: 400, param });
      expect(body.error.message.length).toBeLessThan(400);
    }
  });

  test("Anthropic's model list: the same for limit (1-1000), in Anthropic's shape", async () => {
    for (const limit of [...NOT_PLAIN, '1001']) {
      const res = await fetch(`${gw.url}/v1/models?limit=${encodeURIComponent(limit)}`, { headers: { 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01' } });
      const { body } = await checkAnswer(res, 'anthropic', `limit=${limit}`);
      expect({ limit, status: res.status, type: body.error.type }).toEqual({ limit, status: 400, type: 'invalid_request_error' });
    }
    const page = await fetch(`${gw.url}/v1/models?limit=2`, { headers: { 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01' } });
    expect(((await page.json()) as any).data).toHaveLength(2);
  });
});

describe('-0 and underflowing numbers in integer fields', () => {
  test('are 0, below every such field\'s minimum: a 400 naming the field, in the endpoint\'s shape, one row', async () => {
    const cases: [string, string, string, 'openai' | 'anthropic'][] = [];
    for (const v of ['-0', '1e-400', '-1e-400']) {
      for (const field of ['max_tokens', 'max_completion_tokens', 'n']) cases.push(['/v1/chat/completions', CHAT.replace('{', `{"${field}":${v},`), field, 'openai']);
      cases.push(['/v1/embeddings', `{"model":"mock/embed","input":"a","dimensions":${v}}`, 'dimensions', 'openai']);
      cases.push(['/v1/images/generations', `{"model":"dall-e-3","prompt":"a fox","n":${v}}`, 'n', 'openai']);
      for (const field of ['max_output_tokens', 'max_tool_calls']) cases.push(['/v1/responses', `{"model":"mock/echo","input":"hi","${field}":${v}}`, field, 'openai']);
      cases.push(['/v1/messages', MESSAGE.replace('"max_tokens":10', `"max_tokens":${v}`), 'max_tokens', 'anthropic']);
    }
    for (const [path, text, field, shape] of cases) {
      const res = await gw.fetch(path, { method: 'POST', body: text });
      const { body } = await checkAnswer(res, shape, text);
      expect({ text, status: res.status }).toEqual({ text, status: 400 });
      if (shape === 'openai') expect(body.error.param).toBe(field);
      else expect(body.error.message).toStartWith(`${field}:`);
      await checkOneRow(gw, res, text);
    }
    expect(openai.requests.length).toBe(0);
  });
});
