/**
 * An upstream slow to start (a model thinking before its first token): past one ping interval
 * the stream opens with message_start and pings instead of leaving the connection silent; an
 * upstream failure after that arrives as `event: error`. Driven through createMessage with the
 * real app context and a short ping interval.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createMessage } from '../../src/messages/create-message';
import { validateMessagesRequest } from '../../src/messages/messages-to-chat';
import { RequestClock } from '../../src/proxy/request-clock';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { expectAnthropicOrder, parseSse } from './messages-helpers';

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('openai', `${fake.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

const req = () => validateMessagesRequest({ model: 'openai/gpt-4o-mini', max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'Hello' }] });
const run = () => createMessage(gw.ctx, req(), { clientId: gw.clientId, teamId: null, clock: new RequestClock(), pingMs: 40 });

test('a slow first token: message_start and pings go out first, then the answer', async () => {
  fake.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'), { holdAt: { at: 0, until: Bun.sleep(400) } });
  const r = await run();
  expect(r.kind).toBe('stream');
  const events = parseSse(await new Response(r.body as ReadableStream).text());
  expectAnthropicOrder(events);
  const types = events.map((e) => e.type);
  expect(types[0]).toBe('message_start');
  expect(types[1]).toBe('ping'); // before any content: the upstream had not started yet
  expect(events.at(-2).delta.stop_reason).toBe('end_turn');
  expect(events.filter((e) => e.type === 'content_block_delta').map((e) => e.delta.text).join('')).toBe('Hello! How can I help you today?');
  expect(r.headers['x-gophergate-provider']).toBe('openai');
});

test('a slow failure: event: error with the Anthropic type of the upstream status', async () => {
  fake.handler = async () => {
    await Bun.sleep(300);
    return jsonResponse({ error: { message: 'Overloaded' } }, 429, { 'retry-after': '1' });
  };
  const r = await run();
  const events = parseSse(await new Response(r.body as ReadableStream).text());
  expect(events[0].type).toBe('message_start');
  expect(events.at(-1)).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: expect.any(String), details: { error_code: 'rate_limit_exceeded' } } });
  const id = r.headers['x-request-id'];
  const deadline = Date.now() + 5000;
  while (!gw.logs.some((l) => l.requestId === id) && Date.now() < deadline) await Bun.sleep(20);
  expect(gw.logs.find((l) => l.requestId === id)).toMatchObject({ endpoint: 'messages', status: 429 });
});
