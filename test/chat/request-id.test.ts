/**
 * Every answer names its log row with `x-request-id`, errors included (as OpenAI's API does), so a
 * row is found by the request that made it: gw.waitForRow(answer).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { jsonResponse, replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

const chat = (body: unknown) => gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(body) });

test('a completion: the SDK reads the id, and it names the request\'s one row', async () => {
  const r = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  expect(r.request_id).toBeTruthy();
  const row = await gw.waitForRow(r);
  expect(row).toMatchObject({ requestId: r.request_id, provider: 'mock', status: 200 });
});

test('an upstream failure (502) answers with x-request-id, naming its row', async () => {
  fake.handler = () => jsonResponse({ error: { message: 'boom', type: 'server_error' } }, 500);
  const res = await chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  expect(res.status).toBe(502);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  expect(await gw.waitForRow(res)).toMatchObject({ status: 502, provider: 'openai' });
});

test('a refused body (400) answers with x-request-id, naming its row; the SDK error carries it', async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: 'mock/echo', messages: [], temperature: 7 } as any));
  expect(err.status).toBe(400);
  expect(err.requestID).toBeTruthy();
  expect(await gw.waitForRow(err)).toMatchObject({ status: 400, requestId: err.requestID });
});

test('a streamed answer: the row of the stream, once it ended', async () => {
  fake.handler = replayJson('openai', 'chat.json');
  const { data: stream, response } = await gw.openai().chat.completions.create({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  for await (const _ of stream) void _;
  expect(await gw.waitForRow(response)).toMatchObject({ stream: true, status: 200 });
});

test('waitForRow fails on an answer without an id rather than reading another row', async () => {
  await expect(gw.waitForRow(new Response('{}'))).rejects.toThrow('no x-request-id');
});
