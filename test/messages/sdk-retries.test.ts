/**
 * The official @anthropic-ai/sdk with its retries on (every other test turns them off), against
 * the gateway's answers to upstream failures: it retries what may pass (an upstream's 429 after its
 * `retry-after`, an overload answered as Anthropic's 529) and not what only an admin can fix (the
 * provider refusing the gateway's key: a 502 with `x-should-retry: false`). Each try is one row.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, readChunks, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { foldChatChunks } from './messages-helpers';

let openai: FakeUpstream;
let gw: TestGateway;
/** What the upstream answers next (after them: the recorded completion). */
let failures: (() => Response)[] = [];

beforeAll(async () => {
  const answer = foldChatChunks(readChunks('openai', 'text.chunks.txt'));
  openai = startFakeUpstream(() => failures.shift()?.() ?? jsonResponse(answer));
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  openai.close();
});

/** An SDK with two retries, and the answers it got, in order. */
function retryingClient() {
  const answers: Response[] = [];
  const client = new Anthropic({
    apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 2, timeout: 20_000,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      answers.push(res.clone());
      return res;
    },
  });
  return { client, answers };
}

const hello = { model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user' as const, content: 'Hello' }] };

test("an upstream 429: the SDK waits the upstream's retry-after and gets the answer; a row per try", async () => {
  failures = [() => jsonResponse({ error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '1' })];
  const { client, answers } = retryingClient();
  const message = await client.messages.create(hello);
  expect(message.content).toEqual([{ type: 'text', text: 'Hello! How can I help you today?', citations: null }]);
  // The key rests for the same second; should the retry still find it resting, the gateway's own
  // 429 says how long is left, and the SDK's second retry gets through.
  expect(answers.map((r) => r.status).slice(-1)).toEqual([200]);
  expect(answers.slice(0, -1).every((r) => r.status === 429)).toBe(true);
  expect(answers[0]!.headers.get('retry-after')).toBe('1');
  expect(((await answers[0]!.json()) as any).error.type).toBe('rate_limit_error');
  expect((await gw.waitForRow(answers[0]!)).status).toBe(429);
  expect((await gw.waitForRow(answers.at(-1)!)).status).toBe(200);
});

test("an upstream 503 (OpenAI's overloaded) is Anthropic's 529 overloaded_error, which the SDK retries", async () => {
  failures = [() => jsonResponse({ error: { message: 'The server is overloaded or not ready yet.', type: 'server_error', code: null } }, 503)];
  const { client, answers } = retryingClient();
  await client.messages.create(hello);
  expect(answers.map((r) => r.status)).toEqual([529, 200]);
  expect(((await answers[0]!.json()) as any).error.type).toBe('overloaded_error');
  expect((await gw.waitForRow(answers[0]!)).status).toBe(529);
});

test("an upstream 503 with retry-after: the 529 carries it, so the SDK waits it out before its retry", async () => {
  failures = [() => jsonResponse({ error: { message: 'The server is overloaded or not ready yet.', type: 'server_error', code: null } }, 503, { 'retry-after': '1' })];
  const { client, answers } = retryingClient();
  await client.messages.create(hello);
  expect(answers.map((r) => r.status)).toEqual([529, 200]);
  expect(answers[0]!.headers.get('retry-after')).toBe('1');
  expect((await gw.waitForRow(answers[0]!)).status).toBe(529);
  expect((await gw.waitForRow(answers[1]!)).status).toBe(200);
});

test("the provider refusing the gateway's key: one 502 with x-should-retry: false, so the SDK does not call again (nor the provider)", async () => {
  const refused = () => jsonResponse({ error: { message: 'Incorrect API key provided: sk-test****', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, 401);
  failures = [refused, refused, refused];
  const upstreamBefore = openai.requests.length;
  const { client, answers } = retryingClient();
  const err = await client.messages.create(hello).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.InternalServerError);
  expect(err.status).toBe(502);
  expect(err.error.error.type).toBe('api_error');
  expect(answers).toHaveLength(1);
  expect(answers[0]!.headers.get('x-should-retry')).toBe('false');
  expect(openai.requests.length - upstreamBefore).toBe(1);
  expect((await gw.waitForRow(answers[0]!)).status).toBe(502);
  failures = [];
});
