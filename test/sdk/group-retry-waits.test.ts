/**
 * A group all of whose targets failed with retryable errors tells the client the SOONEST wait any
 * of them named (`retry-after-ms` beside `retry-after`), not the last target's: the SDK retries
 * the whole request, so the first target back is what it waits for. A target that named no wait
 * counts only when none did (then the gateway's own: the key pool's rest). Chat, Responses (OpenAI
 * passed through, then the bridge) and Messages. The official `openai`
 * and `@anthropic-ai/sdk` clients with retries on; each try is one row, found by its x-request-id.
 */
import { expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, fixtureText, jsonResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from './fake-providers';

let gw: TestGateway;
const { openaiUp, anthropicUp, geminiUp } = useFakeProviders((g) => {
  gw = g;
  g.ctx.db.insert(modelGroups).values({ name: 'three-ways', strategy: 'heuristic', targets: ['gpt-4o', 'claude-sonnet-4-5', 'gemini-2.5-flash'], updatedAt: Date.now() }).run();
  g.ctx.state.reload();
}, { gemini: true });

// Each provider's 429 in its own words: OpenAI's exact wait, Anthropic's whole seconds, Google's none.
const openai429 = () =>
  jsonResponse({ error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '1', 'retry-after-ms': '30' });
const anthropic429 = () => jsonResponse(fixtureJson('anthropic', 'error-429.json'), 429, { 'retry-after': '2' });
const gemini429 = () => jsonResponse({ error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } }, 429);

/** Answers `first` once, then `then`. */
function onceThen(first: () => Response, then: () => Response) {
  let n = 0;
  return () => (n++ === 0 ? first() : then());
}

/** Records every answer the SDK got, in order. */
function recordingFetch(answers: Response[]): typeof fetch {
  return (async (url: any, init: any) => {
    const res = await fetch(url, init);
    answers.push(res.clone());
    return res;
  }) as typeof fetch;
}

test('openai SDK: gpt-4o asked 30 ms, Claude 2 s, Gemini nothing: the 429 says 30 ms, the SDK retries and is answered; a row per try', async () => {
  openaiUp.handler = onceThen(openai429, () => jsonResponse(fixtureJson('openai', 'chat.json')));
  anthropicUp.handler = anthropic429;
  geminiUp.handler = gemini429;
  const answers: Response[] = [];
  const client = new OpenAI({ apiKey: gw.clientKey, baseURL: `${gw.url}/v1`, maxRetries: 2, timeout: 20_000, fetch: recordingFetch(answers) });
  const chat = await client.chat.completions.create({ model: 'three-ways', messages: [{ role: 'user', content: 'Hi' }] });
  expect(chat.choices[0]!.message.content).toBe('Hello! How can I help you today?');
  expect(answers.map((r) => [r.status, r.headers.get('retry-after'), r.headers.get('retry-after-ms')])).toEqual([[429, '1', '30'], [200, null, null]]);
  const first = await gw.waitForRow(answers[0]!);
  expect(first).toMatchObject({ status: 429, errorType: 'rate_limit_exceeded' });
  expect(JSON.parse(first.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['openai', 429], ['anthropic', 429], ['gemini', 429]]);
  expect(await gw.waitForRow(answers[1]!)).toMatchObject({ status: 200, provider: 'openai' });
});

test('openai SDK on /v1/responses: OpenAI passed through first, then the bridge to the others; the same soonest wait', async () => {
  openaiUp.handler = onceThen(openai429, () => new Response(fixtureText('responses', 'openai-response.json'), { headers: { 'content-type': 'application/json' } }));
  anthropicUp.handler = anthropic429;
  geminiUp.handler = gemini429;
  const answers: Response[] = [];
  const client = new OpenAI({ apiKey: gw.clientKey, baseURL: `${gw.url}/v1`, maxRetries: 2, timeout: 20_000, fetch: recordingFetch(answers) });
  const response = await client.responses.create({ model: 'three-ways', input: 'Hi' });
  expect(response.output_text).toBe('Hi! How can I help?');
  expect(answers.map((r) => [r.status, r.headers.get('retry-after'), r.headers.get('retry-after-ms')])).toEqual([[429, '1', '30'], [200, null, null]]);
  const first = await gw.waitForRow(answers[0]!);
  expect(JSON.parse(first.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['openai', 429], ['anthropic', 429], ['gemini', 429]]);
  expect(await gw.waitForRow(answers[1]!)).toMatchObject({ endpoint: 'responses', status: 200 });
});

test('@anthropic-ai/sdk on /v1/messages: the same soonest wait, in Anthropic\'s error shape; the SDK retries and is answered', async () => {
  openaiUp.handler = onceThen(openai429, () => jsonResponse(fixtureJson('openai', 'chat.json')));
  anthropicUp.handler = anthropic429;
  geminiUp.handler = gemini429;
  const answers: Response[] = [];
  const client = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 2, timeout: 20_000, fetch: recordingFetch(answers) });
  const msg = await client.messages.create({ model: 'three-ways', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
  expect(msg.content[0]).toMatchObject({ type: 'text' });
  expect(answers.map((r) => [r.status, r.headers.get('retry-after'), r.headers.get('retry-after-ms')])).toEqual([[429, '1', '30'], [200, null, null]]);
  expect(((await answers[0]!.json()) as any).error.type).toBe('rate_limit_error');
  expect(await gw.waitForRow(answers[0]!)).toMatchObject({ endpoint: 'messages', status: 429 });
  expect(await gw.waitForRow(answers[1]!)).toMatchObject({ endpoint: 'messages', status: 200 });
});

test("5xx without a wait are passed over when another target named one: Claude's 529 with retry-after 3 is on the last target's 502", async () => {
  openaiUp.handler = () => jsonResponse({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }, 500);
  anthropicUp.handler = () => jsonResponse(fixtureJson('anthropic', 'error-529.json'), 529, { 'retry-after': '3' });
  geminiUp.handler = () => jsonResponse({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } }, 503);
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'three-ways', messages: [{ role: 'user', content: 'Hi' }] }) });
  expect(res.status).toBe(502);
  expect([res.headers.get('retry-after'), res.headers.get('retry-after-ms')]).toEqual(['3', '3000']);
  expect(await gw.waitForRow(res)).toMatchObject({ status: 502 });
});

test("no target named a wait: the gateway's own (the soonest a rested key is back), with retry-after-ms", async () => {
  const bare = () => jsonResponse({ error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, 429);
  openaiUp.handler = bare;
  anthropicUp.handler = () => jsonResponse(fixtureJson('anthropic', 'error-500.json'), 500);
  geminiUp.handler = gemini429;
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'three-ways', messages: [{ role: 'user', content: 'Hi' }] }) });
  expect(res.status).toBe(429);
  // Both rested keys rest the pool's default minute (neither 429 named a wait).
  expect(res.headers.get('retry-after')).toBe('60');
  expect(Number(res.headers.get('retry-after-ms'))).toBeGreaterThan(55_000);
  expect(await gw.waitForRow(res)).toMatchObject({ status: 429 });
});
