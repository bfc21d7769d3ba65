/**
 * Browser apps may call /v1 from any origin with a bearer key (as they can call OpenAI): the
 * preflight is answered and every /v1 answer, errors and streams included, carries the CORS
 * headers. The dashboard and /api get none (they rely on cookies and same-origin).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
const origin = 'https://app.example';

beforeAll(async () => {
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
});
afterAll(() => gw.close());

test('preflight for /v1 allows any origin and the headers the SDK asks for', async () => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-stainless-os' },
  });
  expect(res.status).toBe(204);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-stainless-os');
});

test('answers, errors and streams of /v1 carry the CORS headers', async () => {
  const ok = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { origin, authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(ok.status).toBe(200);
  expect(ok.headers.get('access-control-allow-origin')).toBe('*');
  expect(ok.headers.get('access-control-expose-headers')).toContain('x-gophergate-route');
  // Anthropic's SDKs read `request-id` (on /v1/messages): a browser app may read it too.
  expect(ok.headers.get('access-control-expose-headers')!.split(', ')).toContain('request-id');
  await ok.text();

  const stream = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { origin, authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(stream.headers.get('access-control-allow-origin')).toBe('*');
  expect(await stream.text()).toContain('data: [DONE]');

  const unauthorized = await fetch(`${gw.url}/v1/models`, { headers: { origin } });
  expect(unauthorized.status).toBe(401);
  expect(unauthorized.headers.get('access-control-allow-origin')).toBe('*');

  const one = await gw.fetch('/v1/models/mock%2Fecho', { headers: { origin } });
  expect(one.status).toBe(200);
  expect((await one.json()).id).toBe('mock/echo');
  expect(one.headers.get('access-control-allow-origin')).toBe('*');
});

test('the admin API and the dashboard send no CORS headers', async () => {
  const api = await fetch(`${gw.url}/api/auth/me`, { headers: { origin } });
  expect(api.headers.get('access-control-allow-origin')).toBeNull();
  const page = await fetch(`${gw.url}/`, { headers: { origin } });
  expect(page.headers.get('access-control-allow-origin')).toBeNull();
});
