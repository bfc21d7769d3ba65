/**
 * What each target of a group walk receives from /v1/messages. The Anthropic request is translated
 * to chat for a provider and a model: thinking becomes that provider's reasoning setting, top_k goes
 * only where it is read, an assistant turn's thinking goes back as `reasoning_content` only where
 * the provider needs it. When the first target fails (here: overloaded, 503), the next one must get
 * the request as translated for itself, not the first one's body. Driven with the official
 * @anthropic-ai/sdk against fakes that record what they were sent and refuse what the real APIs refuse.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, okCompletion, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicJson } from '../anthropic/fake-anthropic';
import { answerOf, anthropicClient } from './messages-helpers';

const PROVIDERS = ['openai', 'gemini', 'deepseek', 'grok', 'moonshot'] as const;
type Provider = (typeof PROVIDERS)[number];

/** Providers answering 503 "overloaded" in the current test. */
const down = new Set<Provider>();

/** OpenAI's answer to `reasoning_effort: "none"` on a model without that effort (o-series, gpt-5). */
const NONE_REFUSED = {
  error: {
    message: "Unsupported value: 'reasoning_effort' does not support 'none' with this model. Supported values are: 'low', 'medium', and 'high'.",
    type: 'invalid_request_error', param: 'reasoning_effort', code: 'unsupported_value',
  },
};

function answer(p: Provider, body: any): Response {
  if (down.has(p)) {
    return p === 'gemini'
      ? jsonResponse({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } }, 503)
      : jsonResponse({ error: { message: 'The server is overloaded.', type: 'server_error', param: null, code: null } }, 503);
  }
  if (p === 'gemini') return jsonResponse(fixtureJson('gemini', 'text.json'));
  if (p === 'openai' && body.reasoning_effort === 'none' && /^(o\d|gpt-5$)/.test(body.model)) return jsonResponse(NONE_REFUSED, 400);
  return body.stream ? sseResponse(readChunks('openai', 'text.chunks.txt')) : okCompletion(body.model);
}

const fakes = {} as Record<Provider, FakeUpstream>;
/** Anthropic, overloaded (529) throughout. */
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

/** Groups named `a>b`: target a, then b (no heuristic rules: always in that order). */
const GROUPS: [string, string][] = [
  ['gemini/gemini-2.5-flash', 'openai/o4-mini'],
  ['gemini/gemini-2.5-flash', 'grok/grok-3-mini'],
  ['openai/gpt-4.1', 'gemini/gemini-2.5-flash'],
  ['deepseek/deepseek-reasoner', 'openai/gpt-4.1'],
  ['openai/gpt-4.1', 'deepseek/deepseek-reasoner'],
  ['openai/o4-mini', 'gemini/gemini-2.5-flash'],
  ['gemini/gemini-2.5-flash', 'moonshot/kimi-k2-0905-preview'],
  ['moonshot/kimi-k2-0905-preview', 'openai/gpt-4.1'],
];
const group = (a: string, b: string) => `${a.split('/')[1]}>${b.split('/')[1]}`;

beforeAll(async () => {
  let env: Record<string, string> = {};
  for (const p of PROVIDERS) {
    fakes[p] = startFakeUpstream((_r, rec) => answer(p, rec.body));
    env = { ...env, ...providerEnv(p, p === 'gemini' ? fakes[p].url : `${fakes[p].url}/v1`) };
  }
  anthropic = startFakeUpstream(() => jsonResponse(anthropicJson('error-529.json'), 529));
  env = { ...env, ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url };
  gw = await startGateway({ env });
  const now = Date.now();
  for (const [a, b] of GROUPS) gw.ctx.db.insert(modelGroups).values({ name: group(a, b), strategy: 'heuristic', settings: { rules: [] }, targets: [a, b], updatedAt: now }).run();
  const three = ['claude-sonnet-4-5', 'gemini/gemini-2.5-flash', 'openai/o4-mini'];
  gw.ctx.db.insert(modelGroups).values({ name: 'claude>gemini>o4', strategy: 'heuristic', settings: { rules: [] }, targets: three, updatedAt: now }).run();
  gw.ctx.state.reload();
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  for (const p of PROVIDERS) fakes[p].close();
  anthropic.close();
});

/**
 * Sends `params` to the group a>b with a's provider overloaded; returns what b's provider received
 * (the last request it saw) and the answer's route header.
 */
async function fallback(a: string, b: string, params: Omit<Anthropic.MessageCreateParamsNonStreaming, 'model'>) {
  const first = a.split('/')[0] as Provider;
  const second = b.split('/')[0] as Provider;
  down.clear();
  down.add(first);
  const before = fakes[second].requests.length;
  try {
    const { data, response } = await client.messages.create({ ...params, model: group(a, b) }).withResponse();
    expect(data.type).toBe('message');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'messages', provider: second, status: 200 });
    // The first target was tried, and failed.
    expect(JSON.parse(String(row.attempts)).map((t: any) => [t.provider, t.model, t.status === 200])).toEqual([[first, a.split('/')[1], false], [second, b.split('/')[1], true]]);
    expect(fakes[second].requests.length).toBe(before + 1);
    return fakes[second].last().body;
  } finally {
    down.clear();
  }
}

const hello: Anthropic.MessageParam[] = [{ role: 'user', content: 'Hello' }];

test('thinking off, Gemini overloaded: o4-mini gets no reasoning_effort (not Gemini\'s "none", which it refuses)', async () => {
  const sent = await fallback('gemini/gemini-2.5-flash', 'openai/o4-mini', { max_tokens: 1000, thinking: { type: 'disabled' }, messages: hello });
  expect(sent.reasoning_effort).toBeUndefined();
  expect(sent.max_completion_tokens).toBe(1000);
  expect(sent.max_tokens).toBeUndefined();
});

for (const stream of [false, true]) {
  test(`thinking off, Claude then Gemini overloaded (${stream ? 'stream' : 'JSON'}): o4-mini, the third, gets no reasoning_effort`, async () => {
    down.clear();
    down.add('gemini');
    try {
      const params = { model: 'claude>gemini>o4', max_tokens: 1000, thinking: { type: 'disabled' as const }, messages: hello };
      const { data, response } = await answerOf(client, params, stream);
      expect(data.content).toEqual([{ type: 'text', text: stream ? 'Hello! How can I help you today?' : 'ok', citations: null }]);
      const row = await gw.waitForRow(response);
      expect(row).toMatchObject({ endpoint: 'messages', provider: 'openai', status: 200, stream });
      expect(JSON.parse(String(row.attempts)).map((t: any) => t.provider)).toEqual(['anthropic', 'gemini', 'openai']);
      expect(anthropic.last().body.thinking).toEqual({ type: 'disabled' });
      expect(fakes.gemini.last().body.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 0 });
      expect(fakes.openai.last().body.reasoning_effort).toBeUndefined();
    } finally {
      down.clear();
    }
  });
}

test('thinking at medium, Gemini overloaded: grok-3-mini gets its own effort (low or high only), high', async () => {
  const sent = await fallback('gemini/gemini-2.5-flash', 'grok/grok-3-mini', { max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 5000 }, messages: hello });
  expect(sent.reasoning_effort).toBe('high');
});

test('thinking on, gpt-4.1 overloaded: Gemini thinks (its thinking budget), and gets top_k', async () => {
  const sent = await fallback('openai/gpt-4.1', 'gemini/gemini-2.5-flash', {
    max_tokens: 32000, top_k: 40, thinking: { type: 'enabled', budget_tokens: 5000 }, messages: hello,
  } as Omit<Anthropic.MessageCreateParamsNonStreaming, 'model'>);
  expect(sent.generationConfig).toMatchObject({ maxOutputTokens: 32000, topK: 40, thinkingConfig: { thinkingBudget: 8192, includeThoughts: true } });
});

test('o4-mini overloaded: Gemini reads the output limit (max_tokens or max_completion_tokens)', async () => {
  const sent = await fallback('openai/o4-mini', 'gemini/gemini-2.5-flash', { max_tokens: 700, messages: hello });
  expect(sent.generationConfig.maxOutputTokens).toBe(700);
});

/** A tool loop whose assistant turn thought before calling. */
const toolLoop: Anthropic.MessageParam[] = [
  { role: 'user', content: 'Weather in Paris?' },
  {
    role: 'assistant',
    content: [
      { type: 'thinking', thinking: 'The user wants the weather; call the tool.', signature: 'sig' },
      { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
    ],
  },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '18°C, sunny' }] },
];
const weather: Anthropic.Tool = { name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

test('deepseek-reasoner overloaded: gpt-4.1 gets the tool-calling turn without DeepSeek\'s reasoning_content', async () => {
  const sent = await fallback('deepseek/deepseek-reasoner', 'openai/gpt-4.1', {
    max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 2000 }, tools: [weather], messages: toolLoop,
  });
  const turn = sent.messages.find((m: any) => m.role === 'assistant');
  expect(turn.tool_calls).toHaveLength(1);
  expect(turn.reasoning_content).toBeUndefined();
  expect(sent.reasoning_effort).toBeUndefined();
});

test('gpt-4.1 overloaded: deepseek-reasoner gets the client\'s thinking back as reasoning_content, not an empty one', async () => {
  const sent = await fallback('openai/gpt-4.1', 'deepseek/deepseek-reasoner', {
    max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 2000 }, tools: [weather], messages: toolLoop,
  });
  const turn = sent.messages.find((m: any) => m.role === 'assistant');
  expect(turn.reasoning_content).toBe('The user wants the weather; call the tool.');
  expect(sent.max_tokens).toBe(4000);
  expect(sent.max_completion_tokens).toBeUndefined();
});

test('Gemini overloaded: Kimi gets tool names in its own terms, and a prefill as its partial', async () => {
  const sent = await fallback('gemini/gemini-2.5-flash', 'moonshot/kimi-k2-0905-preview', {
    max_tokens: 500,
    tools: [{ ...weather, name: '1st_weather' }],
    messages: [...hello, { role: 'assistant', content: 'Sure,' }],
  });
  expect(sent.tools[0].function.name).not.toBe('1st_weather');
  expect(sent.tools[0].function.name).toMatch(/^[A-Za-z]/);
  expect(sent.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Sure,', partial: true });
});

test('Kimi overloaded: gpt-4.1 gets the prefill as a past turn (no partial flag) and the client\'s tool name', async () => {
  const sent = await fallback('moonshot/kimi-k2-0905-preview', 'openai/gpt-4.1', {
    max_tokens: 500,
    tools: [{ ...weather, name: '1st_weather' }],
    messages: [...hello, { role: 'assistant', content: 'Sure,' }],
  });
  expect(sent.tools[0].function.name).toBe('1st_weather');
  expect(sent.messages.at(-1)).toEqual({ role: 'assistant', content: 'Sure,' });
});
