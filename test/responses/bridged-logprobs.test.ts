/**
 * Logprobs on bridged /v1/responses targets, as /v1/chat/completions gives them for the same
 * provider: `include: ["message.output_text.logprobs"]` and `top_logprobs` become the chat call's
 * `logprobs: true` / `top_logprobs` where chat sends them (Kimi, Ollama, DeepSeek out of
 * thinking mode), and the answer's logprobs fill output_text's (streamed: each text delta's); where
 * chat refuses them (Gemini, Anthropic, DeepSeek's thinking mode) it is OpenAI's 400 naming the field.
 */
import { afterAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { fixtureJson, jsonResponse, sseResponse, startFakeUpstream, type FakeHandler } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway } from '../helpers/start-gateway';
import { schemaErrors, EVENT_SCHEMAS } from './openai-schema';

let answer: FakeHandler = () => new Response('unset', { status: 500 });
const upstream = startFakeUpstream((req, rec, fake) => answer(req, rec, fake));
let client: OpenAI;
useGateway(
  (g) => {
    client = g.openai();
  },
  { env: Object.assign({}, ...['moonshot', 'grok', 'ollama', 'deepseek', 'gemini', 'anthropic'].map((p) => providerEnv(p, upstream.url))) },
);
afterAll(() => upstream.close());

const scored = (token: string, logprob: number) => ({
  token, logprob, bytes: null,
  top_logprobs: [{ token, logprob, bytes: [...new TextEncoder().encode(token)] }, { token: ' other', logprob: -3.5, bytes: null }],
});
const expected = (token: string, logprob: number) => ({
  token, logprob, bytes: [...new TextEncoder().encode(token)],
  top_logprobs: [{ token, logprob, bytes: [...new TextEncoder().encode(token)] }, { token: ' other', logprob: -3.5, bytes: [...new TextEncoder().encode(' other')] }],
});

test('non-stream (Kimi): include asks for them, top_logprobs is passed; output_text carries them in OpenAI shape', async () => {
  const body = fixtureJson('moonshot', 'chat.json');
  body.choices[0].message.content = 'Hi ü';
  body.choices[0].logprobs = { content: [scored('Hi', -0.25), scored(' ü', -1.5)] };
  answer = () => jsonResponse(body);
  const r = await client.responses.create({ model: 'moonshot/kimi-k2-0905-preview', input: 'Hello', include: ['message.output_text.logprobs'], top_logprobs: 2 });
  expect(upstream.last().body).toMatchObject({ logprobs: true, top_logprobs: 2 });
  const part = (r.output.find((o) => o.type === 'message') as any).content[0];
  expect(part.logprobs).toEqual([expected('Hi', -0.25), expected(' ü', -1.5)]);
  expect(schemaErrors('Response', r)).toEqual([]);
  // Stored as answered.
  expect(((await client.responses.retrieve(r.id)).output.find((o) => o.type === 'message') as any).content[0].logprobs).toEqual(part.logprobs);
});

test('without include or top_logprobs nothing is asked for', async () => {
  answer = () => jsonResponse(fixtureJson('moonshot', 'chat.json'));
  await client.responses.create({ model: 'moonshot/kimi-k2-0905-preview', input: 'Hello' });
  expect(upstream.last().body.logprobs).toBeUndefined();
  expect(upstream.last().body.top_logprobs).toBeUndefined();
});

test('stream (Ollama, top_logprobs alone): each text delta carries its logprobs, the done events and final part all of them', async () => {
  const head = { id: 'c1', object: 'chat.completion.chunk', created: 1757925600, model: 'llama3' };
  answer = () => sseResponse([
    JSON.stringify({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, logprobs: { content: [scored('Hi', -0.25)] } }] }),
    JSON.stringify({ ...head, choices: [{ index: 0, delta: { content: ' ü' }, logprobs: { content: [scored(' ü', -1.5)] } }] }),
    JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }),
    '[DONE]',
  ]);
  const stream = await client.responses.create({ model: 'ollama/llama3', input: 'Hello', top_logprobs: 2, stream: true });
  const deltas: any[] = [];
  let done: any;
  let final: any;
  for await (const e of stream) {
    expect(schemaErrors(EVENT_SCHEMAS[e.type]!, e)).toEqual([]);
    if (e.type === 'response.output_text.delta') deltas.push(e.logprobs);
    if (e.type === 'response.output_text.done') done = e.logprobs;
    if (e.type === 'response.completed') final = e.response;
  }
  expect(upstream.last().body).toMatchObject({ logprobs: true, top_logprobs: 2 });
  const short = (token: string, logprob: number) => ({ token, logprob, top_logprobs: [{ token, logprob }, { token: ' other', logprob: -3.5 }] });
  expect(deltas).toEqual([[short('Hi', -0.25)], [short(' ü', -1.5)]]);
  expect(done).toEqual([short('Hi', -0.25), short(' ü', -1.5)]);
  expect(final.output[0].content[0].logprobs).toEqual([expected('Hi', -0.25), expected(' ü', -1.5)]);
});

test('where chat refuses logprobs (Gemini, Anthropic, DeepSeek thinking), a 400 naming the Responses field, before any call', async () => {
  for (const model of ['gemini/gemini-2.5-flash', 'anthropic/claude-sonnet-4-5', 'deepseek/deepseek-reasoner']) {
    const calls = upstream.requests.length;
    const viaInclude = await apiError(client.responses.create({ model, input: 'Hello', include: ['reasoning.encrypted_content', 'message.output_text.logprobs'] }));
    expect({ model, status: viaInclude.status, param: viaInclude.param, code: viaInclude.code }).toEqual({ model, status: 400, param: 'include[1]', code: 'unsupported_parameter' });
    const viaTop = await apiError(client.responses.create({ model, input: 'Hello', top_logprobs: 3 }));
    expect({ model, status: viaTop.status, param: viaTop.param, code: viaTop.code }).toEqual({ model, status: 400, param: 'top_logprobs', code: 'unsupported_parameter' });
    // The same refusal chat gives.
    const chat = await apiError(client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }], logprobs: true }));
    expect([chat.status, chat.param, chat.code]).toEqual([400, 'logprobs', 'unsupported_parameter']);
    expect(upstream.requests.length).toBe(calls);
  }
});
