/**
 * The /v1 table (src/api/v1-routes.ts) is served twice: by Bun's router (real HTTP, as main.ts
 * listens) and by Elysia (app.handle, the OpenAPI document). Both must answer alike, in the API's
 * error shape with the CORS headers; other methods and a bad Host are refused the same way.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { connect } from 'node:net';
import { createApp } from '../../src/app';
import { v1Routes } from '../../src/api/v1-routes';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
});
afterAll(() => gw.close());

const table = () => Object.entries(v1Routes(gw.ctx)).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method, path })));
const concrete = (path: string) => path.replace(':id', 'resp_missing').replace('*', 'mock%2Fecho');
const origin = 'https://app.example';

/** Status, error body and CORS header of one answer. */
async function answer(res: Response) {
  return { status: res.status, body: await res.json(), cors: res.headers.get('access-control-allow-origin') };
}

/** One raw HTTP/1.1 request (fetch would normalise the Host header); status and body. */
function raw(method: string, target: string, host: string, headers: string[] = []): Promise<{ status: number; body: string; cors: boolean }> {
  const port = Number(new URL(gw.url).port);
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${headers.map((h) => `${h}\r\n`).join('')}Content-Length: 0\r\nConnection: close\r\n\r\n`));
    let buf = '';
    s.on('data', (d) => (buf += d));
    s.on('end', () => resolve({ status: Number(buf.split(' ')[1]), body: buf.slice(buf.indexOf('\r\n\r\n') + 4), cors: /access-control-allow-origin: \*/i.test(buf) }));
    s.on('error', reject);
  });
}

test('every /v1 route answers alike through Bun\'s router and through Elysia (no key: 401 with CORS)', async () => {
  const routes = table();
  expect(routes.length).toBeGreaterThanOrEqual(11);
  const app = createApp(gw.ctx);
  for (const { method, path } of routes) {
    const init = { method, headers: { origin, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined };
    const viaBun = await answer(await fetch(`${gw.url}${concrete(path)}`, init));
    const viaElysia = await answer(await app.handle(new Request(`http://localhost${concrete(path)}`, init)));
    const label = `${method} ${path}`;
    expect({ label, ...viaBun }).toEqual({ label, ...viaElysia });
    expect({ label, status: viaBun.status, cors: viaBun.cors }).toEqual({ label, status: 401, cors: '*' });
    // Anthropic's shape on /v1/messages, OpenAI's elsewhere.
    if (path.startsWith('/v1/messages')) expect(viaBun.body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    else expect(viaBun.body.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
  }
});

test('the POST endpoints are Bun\'s: a chunked body reaches the key check (Elysia\'s body limit would answer 411)', async () => {
  for (const { path } of table().filter((r) => r.method === 'POST')) {
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // A stream of its own (a Blob's stream would be sent with its Content-Length).
      body: new ReadableStream({ pull: (c) => (c.enqueue(new TextEncoder().encode('{}')), c.close()) }),
      duplex: 'half',
    } as RequestInit);
    expect({ path, status: res.status }).toEqual({ path, status: 401 });
    await res.arrayBuffer();
  }
});

test('the OpenAPI document lists every /v1 route of the table, with its answer schema (and request body for the creating POSTs)', async () => {
  const doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as { paths: Record<string, Record<string, any>> };
  // `/v1/models/*` holds ids with slashes; the document names its parameter instead of a literal `*`.
  expect(Object.keys(doc.paths).filter((p) => p.includes('*'))).toEqual([]);
  expect(doc.paths['/v1/models/{model}']?.get?.parameters?.map((p: any) => [p.name, p.in])).toEqual([['model', 'path']]);
  for (const { method, path } of table()) {
    const openapiPath = path.replace(':id', '{id}').replace('/*', '/{model}');
    const entry = doc.paths[openapiPath]?.[method.toLowerCase()];
    // /v1/models answers OpenAI's shapes, or Anthropic's to Anthropic's clients: `anyOf`, OpenAI's first.
    const ok = entry?.responses?.['200']?.content?.['application/json']?.schema?.anyOf?.[0] ?? entry?.responses?.['200']?.content?.['application/json']?.schema;
    const error = entry?.responses?.['400']?.content?.['application/json']?.schema?.anyOf?.[0] ?? entry?.responses?.['400']?.content?.['application/json']?.schema;
    expect({ method, path, summary: typeof entry?.summary, ok: ok?.type, error: error?.required }).toEqual({
      method, path, summary: 'string', ok: 'object', error: path.startsWith('/v1/messages') ? ['type', 'error'] : ['error'],
    });
    if (method === 'POST' && !path.endsWith('/cancel')) {
      // The document's required fields are the ones the endpoint asks for first: an empty body is refused naming `model`.
      const required: string[] = entry.requestBody?.content?.['application/json']?.schema?.required ?? [];
      expect({ path, model: required.includes('model') }).toEqual({ path, model: true });
      const res = await gw.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toMatch(/model/);
    }
  }
});

test('other methods on a /v1 path fall through to Elysia: 404 in OpenAI\'s shape', async () => {
  for (const [method, path] of [['GET', '/v1/chat/completions'], ['DELETE', '/v1/models'], ['PUT', '/v1/responses/resp_1'], ['PATCH', '/v1/embeddings']] as const) {
    const res = await gw.fetch(path, { method });
    expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
    expect((await res.json()).error.code).toBe('not_found');
  }
});

test('a bad Host is refused on every /v1 route before the key is looked at: 400 invalid_host, with CORS, in the route\'s shape', async () => {
  for (const { method, path } of table()) {
    const res = await raw(method, concrete(path), 'evil.com/');
    expect({ method, path, status: res.status, cors: res.cors }).toEqual({ method, path, status: 400, cors: true });
    const body = JSON.parse(res.body);
    // Anthropic's SDKs read only Anthropic's shape (it was OpenAI's on /v1/messages and count_tokens).
    if (path.startsWith('/v1/messages')) expect({ path, body }).toEqual({ path, body: { type: 'error', error: { type: 'invalid_request_error', message: expect.any(String), details: { error_code: 'invalid_host' } } } });
    else expect({ path, code: body.error.code }).toEqual({ path, code: 'invalid_host' });
  }
  // The model list answers an Anthropic client (anthropic-version sent) in its shape, as its other errors;
  // the OpenAI endpoints answer OpenAI's whatever the headers.
  for (const path of ['/v1/models', '/v1/models/mock%2Fecho']) {
    const res = await raw('GET', path, 'evil.com/', ['anthropic-version: 2023-06-01']);
    expect({ path, body: JSON.parse(res.body) }).toMatchObject({ path, body: { type: 'error', error: { details: { error_code: 'invalid_host' } } } });
  }
  const chat = await raw('POST', '/v1/chat/completions', 'evil.com/', ['anthropic-version: 2023-06-01']);
  expect(JSON.parse(chat.body).error.code).toBe('invalid_host');
});
