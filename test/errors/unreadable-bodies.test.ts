/**
 * A body the gateway cannot read (not JSON, empty, not UTF-8 or declared in another charset, a declared non-JSON type,
 * compressed, too large) sent with a valid key to any /v1 POST endpoint: a 400/413 in the endpoint's own error
 * shape, an `x-request-id`, and exactly one log row under that id and endpoint, as users of
 * every endpoint get from chat. The upstream is never called.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { gzipSync } from 'node:zlib';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const upstream = startFakeUpstream(() => jsonResponse({ error: { message: 'must not be called' } }, 500));
let gw: TestGateway;
// 0.01 MB = 10,485 bytes: small enough to exceed in a test.
useGateway((g) => (gw = g), { env: { ...providerEnv('openai', `${upstream.url}/v1`), LLM_PROXY__SERVER__MAX_BODY_MB: '0.01' } });
afterAll(() => upstream.close());

const endpoints = [
  { path: '/v1/chat/completions', endpoint: 'chat', anthropic: false },
  { path: '/v1/responses', endpoint: 'responses', anthropic: false },
  { path: '/v1/embeddings', endpoint: 'embeddings', anthropic: false },
  { path: '/v1/images/generations', endpoint: 'images', anthropic: false },
  { path: '/v1/messages', endpoint: 'messages', anthropic: true },
  { path: '/v1/messages/count_tokens', endpoint: 'count_tokens', anthropic: true },
] as const;

const bodies: { name: string; body: BodyInit; type?: string; encoding?: string; status: number; code: string }[] = [
  { name: 'malformed JSON', body: '{"model":', status: 400, code: 'invalid_json' },
  { name: 'an empty body', body: '', status: 400, code: 'invalid_json' },
  { name: 'a text/plain body', body: '{"model":"gpt-4o-mini"}', type: 'text/plain', status: 400, code: 'unsupported_content_type' },
  { name: 'bytes that are not UTF-8', body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), status: 400, code: 'invalid_encoding' },
  // ASCII JSON in UTF-16 is valid UTF-8 with a NUL after each letter: it was parsed, and refused as JSON at '\u0000'.
  { name: 'a UTF-16 body declared as such', body: Buffer.from('{"model":"gpt-4o-mini","input":"hi"}', 'utf16le'), type: 'application/json; charset=UTF-16LE', status: 400, code: 'invalid_encoding' },
  { name: 'a gzip-compressed body', body: gzipSync('{"model":"gpt-4o-mini","input":"hi"}'), encoding: 'gzip', status: 400, code: 'unsupported_content_encoding' },
  // Labelled compressed but plain: not read as if the label were absent.
  { name: "a plain body labelled 'br'", body: '{"model":"gpt-4o-mini","input":"hi"}', encoding: 'br', status: 400, code: 'unsupported_content_encoding' },
  { name: 'a body over LLM_PROXY__SERVER__MAX_BODY_MB', body: JSON.stringify({ model: 'gpt-4o-mini', input: 'x'.repeat(20_000) }), status: 413, code: 'request_too_large' },
];

describe('an unreadable body on every /v1 POST endpoint', () => {
  for (const e of endpoints)
    for (const b of bodies)
      test(`${e.path}: ${b.name}`, async () => {
        const headers = { ...(b.type ? { 'content-type': b.type } : {}), ...(b.encoding ? { 'content-encoding': b.encoding } : {}) };
        const res = await gw.fetch(e.path, { method: 'POST', body: b.body, headers });
        expect(res.status).toBe(b.status);
        expect(res.headers.get('content-type')).toContain('application/json');
        const body = (await res.json()) as any;
        if (e.anthropic) {
          expect(body.type).toBe('error');
          expect(body.error.type).toBe(b.status === 413 ? 'request_too_large' : 'invalid_request_error');
        } else {
          expect(body.error).toMatchObject({ type: 'invalid_request_error', code: b.code });
        }
        if (b.encoding) expect(JSON.stringify(body)).toContain(`Unsupported content encoding '${b.encoding}'`);
        if (b.code === 'invalid_encoding' && b.type) expect(JSON.stringify(body)).toContain("declared as charset 'UTF-16LE'");
        const row = await gw.waitForRow(res);
        expect(row).toMatchObject({ endpoint: e.endpoint, status: b.status, clientId: gw.clientId, costUsd: 0 });
      });

  test('none of them reached the upstream', () => {
    expect(upstream.requests).toHaveLength(0);
  });
});
