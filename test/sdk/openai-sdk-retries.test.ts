/**
 * The official `openai` SDK with its retries on (every other test turns them off) against an
 * upstream that is briefly unavailable: its 503 with `retry-after` reaches the SDK as the gateway's
 * 502 carrying that `retry-after`, which the SDK waits out before its retry (without it the SDK
 * would retry after its own half-second backoff, while the provider still said it was down).
 * Chat completions and the Responses pass-through; each try is one row.
 */
import { expect, test } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, fixtureText, jsonResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from './fake-providers';

let gw: TestGateway;
const { openaiUp } = useFakeProviders((g) => void (gw = g));

/** An SDK with two retries, and the answers it got, in order. */
function retryingClient() {
  const answers: Response[] = [];
  const client = new OpenAI({
    apiKey: gw.clientKey, baseURL: `${gw.url}/v1`, maxRetries: 2, timeout: 20_000,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      answers.push(res.clone());
      return res;
    },
  });
  return { client, answers };
}

/** OpenAI's 503 when it sheds load, with how long to wait. */
const unavailable = () =>
  jsonResponse({ error: { message: 'The server is overloaded or not ready yet.', type: 'server_error', param: null, code: null } }, 503, { 'retry-after': '1' });

/** The upstream answers `first` once, then `then` (a call past them is a visible 500). */
function onceThen(first: () => Response, then: () => Response) {
  const replies = [first, then];
  return () => replies.shift()?.() ?? jsonResponse({ error: { message: 'fake: no reply queued' } }, 500);
}

test("chat: an upstream 503's retry-after is on the gateway's 502, the SDK retries and gets the answer; a row per try", async () => {
  openaiUp.handler = onceThen(unavailable, () => jsonResponse(fixtureJson('openai', 'chat.json')));
  const { client, answers } = retryingClient();
  const chat = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
  expect(chat.choices[0]!.message.content).toBe('Hello! How can I help you today?');
  expect(answers.map((r) => r.status)).toEqual([502, 200]);
  expect(answers[0]!.headers.get('retry-after')).toBe('1');
  expect(((await answers[0]!.json()) as any).error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
  expect(await gw.waitForRow(answers[0]!)).toMatchObject({ endpoint: 'chat', status: 502 });
  expect(await gw.waitForRow(answers[1]!)).toMatchObject({ endpoint: 'chat', status: 200, promptTokens: 19, completionTokens: 9 });
});

test("responses (OpenAI pass-through): the 503's retry-after is passed on the same way", async () => {
  openaiUp.handler = onceThen(unavailable, () => new Response(fixtureText('responses', 'openai-response.json'), { headers: { 'content-type': 'application/json' } }));
  const { client, answers } = retryingClient();
  const response = await client.responses.create({ model: 'gpt-5-mini', input: 'Hi' });
  expect(response.output_text).toBe('Hi! How can I help?');
  expect(answers.map((r) => r.status)).toEqual([502, 200]);
  expect(answers[0]!.headers.get('retry-after')).toBe('1');
  expect(await gw.waitForRow(answers[0]!)).toMatchObject({ endpoint: 'responses', status: 502 });
  expect(await gw.waitForRow(answers[1]!)).toMatchObject({ endpoint: 'responses', status: 200 });
});

test('a 500 without retry-after is retried on the SDK\'s own backoff; the 502 names no wait', async () => {
  openaiUp.handler = onceThen(
    () => jsonResponse({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }, 500),
    () => jsonResponse(fixtureJson('openai', 'chat.json')),
  );
  const { client, answers } = retryingClient();
  await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
  expect(answers.map((r) => r.status)).toEqual([502, 200]);
  expect(answers[0]!.headers.get('retry-after')).toBeNull();
});

test("an upstream's retry-after-ms (OpenAI's and Azure's exact wait, which the SDK reads first) is passed on beside the whole seconds", async () => {
  const rateLimited = () =>
    jsonResponse({ error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, 429, { 'retry-after-ms': '20' });
  const overloaded = () =>
    jsonResponse({ error: { message: 'The server is overloaded or not ready yet.', type: 'server_error', param: null, code: null } }, 503, { 'retry-after': '1', 'retry-after-ms': '250.5' });
  openaiUp.handler = onceThen(rateLimited, () => jsonResponse(fixtureJson('openai', 'chat.json')));
  const { client, answers } = retryingClient();
  await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
  expect(answers.map((r) => [r.status, r.headers.get('retry-after'), r.headers.get('retry-after-ms')])).toEqual([[429, '1', '20'], [200, null, null]]);
  expect(await gw.waitForRow(answers[0]!)).toMatchObject({ status: 429, errorType: 'rate_limit_exceeded' });

  openaiUp.handler = onceThen(overloaded, () => new Response(fixtureText('responses', 'openai-response.json'), { headers: { 'content-type': 'application/json' } }));
  const second = retryingClient();
  await second.client.responses.create({ model: 'gpt-5-mini', input: 'Hi' });
  expect(second.answers.map((r) => [r.status, r.headers.get('retry-after'), r.headers.get('retry-after-ms')])).toEqual([[502, '1', '251'], [200, null, null]]);
});
