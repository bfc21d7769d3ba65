/**
 * An endpoint the gateway does not serve (POST /v1/moderations, /v1/completions, /v1/batches, the
 * Anthropic SDK's message batches) answers its documented 404, and, like every other /v1 answer,
 * an `x-request-id` (Anthropic's `request-id` too under /v1/messages/): the SDKs show it as the
 * error's request id, which a support question quotes. No model was asked, so no log row is
 * written: the id names no row (README, Errors).
 */
import { expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { apiError, useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => (gw = g));

test('the OpenAI SDK calling endpoints the gateway lacks: 404 not_found with an x-request-id, and no log row', async () => {
  const client = gw.openai();
  const errors = [
    await apiError(client.moderations.create({ model: 'omni-moderation-latest', input: 'hello' })),
    await apiError(client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test' })),
    await apiError(client.batches.create({ input_file_id: 'file-abc123', endpoint: '/v1/chat/completions', completion_window: '24h' })),
  ];
  const ids = errors.map((e) => e.requestID);
  for (const [i, e] of errors.entries()) {
    expect([e.status, e.code]).toEqual([404, 'not_found']);
    expect(e.message).toContain(`Invalid URL (POST /v1/${['moderations', 'completions', 'batches'][i]})`);
    expect(ids[i]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  }
  expect(new Set(ids).size).toBe(3);
  // Without a key too: the path is unknown before any key is read.
  const keyless = await fetch(`${gw.url}/v1/moderations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":"x"}' });
  expect(keyless.status).toBe(404);
  expect(keyless.headers.get('x-request-id')).toBeTruthy();
  // A known request right after does leave its row: none of the 404s' ids is in the log.
  const ok = await gw.fetch('/v1/chat/completions', { method: 'POST', body: '{' });
  await gw.waitForRow(ok);
  for (const id of ids) expect(gw.logs.some((r) => r.requestId === id)).toBe(false);
});

test("the Anthropic SDK's message batches: Anthropic's 404 with request-id (the SDK's _request_id) and x-request-id", async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const err = await client.messages.batches.list().then(() => null, (e) => e);
  expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  expect(err.requestID).toBeTruthy();
  const res = await gw.fetch('/v1/messages/batches', { method: 'POST', headers: { 'x-api-key': gw.clientKey }, body: '{}' });
  expect(res.status).toBe(404);
  expect(res.headers.get('request-id')).toBe(res.headers.get('x-request-id'));
  expect(res.headers.get('x-request-id')).toBeTruthy();
});

test("a browser app's call to an unknown /v1 route can read the 404 and its id (CORS, as every /v1 answer)", async () => {
  const res = await gw.fetch('/v1/moderations', { method: 'POST', headers: { origin: 'https://app.example' }, body: '{"input":"x"}' });
  expect(res.status).toBe(404);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
  // Outside /v1 (the dashboard, /api) stays same-origin.
  const api = await fetch(`${gw.url}/api/nothing-here`, { headers: { origin: 'https://app.example' } });
  expect(api.headers.get('access-control-allow-origin')).toBeNull();
  expect(api.headers.get('x-request-id')).toBeNull();
});
