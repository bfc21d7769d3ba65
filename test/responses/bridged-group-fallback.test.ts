/**
 * What a group's fallback target receives from a /v1/responses request bridged to chat (its first
 * target, Gemini, has no Responses API of its own). The bridge's chat body is the client's settings
 * in chat terms, decided for no provider: the reasoning effort the client asked for, `max_tokens`,
 * its JSON format, its function names. Each target's adapter then puts them in its provider's terms
 * (OpenAI's reasoning models `max_completion_tokens` and no sampling, gpt-4.1 no effort, Kimi its
 * function names and schema subset), so the next target after Gemini gets what it takes. Driven
 * with the official `openai` SDK against fakes recording what they were sent.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { jsonResponse, okCompletion, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let gemini: FakeUpstream;
let openai: FakeUpstream;
let moonshot: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  gemini = startFakeUpstream(() => jsonResponse({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } }, 503));
  openai = startFakeUpstream((_r, rec) => okCompletion(rec.body.model));
  moonshot = startFakeUpstream((_r, rec) => okCompletion(rec.body.model));
  gw = await startGateway({ env: { ...providerEnv('gemini', gemini.url), ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('moonshot', `${moonshot.url}/v1`) } });
  const now = Date.now();
  for (const next of ['openai/o4-mini', 'openai/gpt-4.1', 'moonshot/kimi-k2-0905-preview']) {
    gw.ctx.db.insert(modelGroups).values({ name: `then-${next.split('/')[1]}`, strategy: 'heuristic', settings: { rules: [] }, targets: ['gemini/gemini-2.5-flash', next], updatedAt: now }).run();
  }
  gw.ctx.state.reload();
  client = gw.openai();
});
afterAll(async () => {
  await gw.close();
  gemini.close();
  openai.close();
  moonshot.close();
});

const request = (model: string): OpenAI.Responses.ResponseCreateParamsNonStreaming => ({
  model,
  input: 'Weather in Paris, as JSON?',
  max_output_tokens: 300,
  temperature: 0.2,
  reasoning: { effort: 'low' },
  tools: [{ type: 'function', name: '1st_weather', description: 'Weather of a city', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
  text: { format: { type: 'json_schema', name: 'weather', schema: { type: 'object', properties: { celsius: { type: 'number' } }, required: ['celsius'] } } },
});

/** Sends to the group `then-<model>` (Gemini overloaded first); returns what `fake` received. */
async function fallback(model: string, fake: FakeUpstream, provider: string) {
  const before = fake.requests.length;
  const { data, response } = await client.responses.create(request(`then-${model}`)).withResponse();
  expect(data.status).toBe('completed');
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ endpoint: 'responses', provider, status: 200 });
  expect(JSON.parse(String(row.attempts)).map((t: any) => [t.provider, t.status === 200])).toEqual([['gemini', false], [provider, true]]);
  expect(fake.requests.length).toBe(before + 1);
  return fake.last().body;
}

test('o4-mini after Gemini: the client\'s effort, max_completion_tokens, no temperature; the client\'s names and schema', async () => {
  const sent = await fallback('o4-mini', openai, 'openai');
  expect(sent).toMatchObject({ model: 'o4-mini', reasoning_effort: 'low', max_completion_tokens: 300 });
  expect(sent.max_tokens).toBeUndefined();
  expect(sent.temperature).toBeUndefined();
  expect(sent.tools[0].function.name).toBe('1st_weather');
  expect(sent.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'weather' } });
});

test('gpt-4.1 after Gemini: no reasoning_effort (it does not reason), its max_tokens and temperature', async () => {
  const sent = await fallback('gpt-4.1', openai, 'openai');
  expect(sent.reasoning_effort).toBeUndefined();
  expect(sent).toMatchObject({ max_tokens: 300, temperature: 0.2 });
});

test('Kimi after Gemini: function names it takes, max_tokens', async () => {
  const sent = await fallback('kimi-k2-0905-preview', moonshot, 'moonshot');
  expect(sent.tools[0].function.name).toMatch(/^[A-Za-z]/);
  expect(sent.max_tokens).toBe(300);
  expect(sent.response_format.type).toBe('json_schema');
});
