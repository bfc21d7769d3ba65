/**
 * The Vercel AI SDK's Anthropic provider on the gateway's POST /v1/messages, beyond plain text and
 * tools (ai-sdk-anthropic.test.ts): thinking asked through providerOptions on DeepSeek and Gemini,
 * structured output (Anthropic's output_config.format passed through, the SDK's `json` tool
 * translated), cache_control, and a tool conversation that moves from Gemini to OpenAI. Fake
 * upstreams replay recorded wire shapes; each step's usage is checked against its log row.
 */
import { describe, expect, test } from 'bun:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { generateObject, generateText, jsonSchema, stepCountIs, streamText, tool, type ModelMessage } from 'ai';
import { fixtureJson, jsonResponse, readChunks, sseResponse, type RecordedRequest } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from './fake-providers';
import { fixtureWith } from './langchain-helpers';

// generateObject is deprecated in AI SDK 7, and the SDK does not know the output limits of the gateway's ids: no warnings.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/**
 * OpenAI's chat completions refuse a tool call id past 40 characters; this is its answer.
 * A fake that accepted any id would hide the refusal, so this one checks as OpenAI does.
 */
function openaiIdCheck(rec: RecordedRequest): Response | null {
  for (const [i, m] of (rec.body.messages as any[]).entries()) {
    const ids: [string, string][] = [[`messages[${i}].tool_call_id`, m.tool_call_id], ...(m.tool_calls ?? []).map((c: any, j: number) => [`messages[${i}].tool_calls[${j}].id`, c.id])];
    const bad = ids.find(([, id]) => typeof id === 'string' && id.length > 40);
    if (bad) {
      const message = `Invalid '${bad[0]}': string too long. Expected a string with maximum length 40, but got a string with length ${bad[1].length} instead.`;
      return jsonResponse({ error: { message, type: 'invalid_request_error', param: bad[0], code: 'string_above_max_length' } }, 400);
    }
  }
  return null;
}

let gw: TestGateway;
const { anthropicUp, openaiUp, deepseekUp: deepseek, geminiUp: gemini } = useFakeProviders((g) => void (gw = g), { gemini: true });

const anthropic = () => createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
const idOf = (headers: Record<string, string | undefined> | undefined) => headers?.['x-request-id'] ?? 'no x-request-id';
const thinking = { anthropic: { thinking: { type: 'enabled', budgetTokens: 2000 } } } as const;

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string; unit?: string }>({ type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] }),
  execute: async ({ city }) => ({ city, sky: city === 'Paris' ? 'sunny' : 'rain' }),
});
const recipe = jsonSchema<{ name: string; steps: string[] }>({
  type: 'object',
  properties: { name: { type: 'string' }, steps: { type: 'array', items: { type: 'string' } } },
  required: ['name', 'steps'],
  additionalProperties: false,
});
const lasagna = { name: 'Lasagna', steps: ['Layer', 'Bake'] };

/** Each step's usage as the SDK read it equals its log row. */
async function expectRowsMatch(steps: readonly { usage: any; response: { headers?: Record<string, string> } }[]) {
  for (const s of steps) {
    const row = await gw.waitForRow(idOf(s.response.headers));
    expect([row.status, row.promptTokens, row.cachedTokens, row.completionTokens]).toEqual([200, s.usage.inputTokens, s.usage.inputTokenDetails.cacheReadTokens, s.usage.outputTokens]);
  }
}

describe('thinking through providerOptions', () => {
  test('DeepSeek reasoner, streamed tool loop: reasoning parts in both steps, the reasoning goes back as reasoning_content', async () => {
    let n = 0;
    deepseek.handler = () => sseResponse(readChunks('deepseek', n++ === 0 ? 'reasoner-tools.chunks.txt' : 'text.chunks.txt'));
    const r = streamText({ model: anthropic()('deepseek/deepseek-reasoner'), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), providerOptions: thinking, maxRetries: 0 });
    const parts: any[] = await Array.fromAsync(r.fullStream);
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    expect(parts.filter((p) => p.type === 'tool-call').map((p) => p.input)).toEqual([{ city: 'Paris' }, { city: 'Tokyo' }]);
    const steps = await r.steps;
    expect(steps.map((s) => [s.finishReason, s.reasoningText])).toEqual([
      ['tool-calls', 'I need the weather for both cities, so I call the tool twice.'],
      ['stop', expect.any(String)],
    ]);
    const assistant = deepseek.last().body.messages.find((m: any) => m.role === 'assistant');
    expect(assistant.reasoning_content).toBe('I need the weather for both cities, so I call the tool twice.');
    expect(assistant.tool_calls.map((c: any) => c.id)).toEqual(parts.filter((p) => p.type === 'tool-call').map((p) => p.toolCallId));
    await expectRowsMatch(steps);
  });

  test('Gemini 3, streamed tool loop: the budget becomes a thinking level; the signed call goes back with its signature', async () => {
    let n = 0;
    gemini.handler = () => sseResponse(readChunks('gemini', n++ === 0 ? 'tool-call-gemini3.chunks.txt' : 'text.chunks.txt'));
    const r = streamText({ model: anthropic()('gemini/gemini-3-pro-preview'), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), providerOptions: thinking, maxRetries: 0 });
    const parts: any[] = await Array.fromAsync(r.fullStream);
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    const steps = await r.steps;
    expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(steps[0]!.reasoningText).toStartWith('**Planning the lookups**');
    const sent = gemini.last().body;
    // A budget of 2000 beside the SDK's 4096-token answer (max_tokens 6096): about a third, medium,
    // which Gemini 3 Pro (low and high only) takes as high.
    expect(sent.generationConfig.thinkingConfig).toEqual({ thinkingLevel: 'high', includeThoughts: true });
    expect(sent.contents[1].parts.map((p: any) => [p.functionCall.args.city, typeof p.thoughtSignature])).toEqual([['Paris', 'string'], ['Tokyo', 'undefined']]);
    await expectRowsMatch(steps);
  });
});

describe("the SDK's top-level `reasoning` level on an OpenAI reasoning model", () => {
  // On an id it does not know (every non-Claude one) the SDK sends the level's share of a 4096-token
  // output as the budget, beside a 4096-token answer: high is 2458 of max_tokens 6554, which the
  // gateway reads by its share of max_tokens, not as a small number of tokens.
  test.each([
    ['low', 'low', 5120],
    ['medium', 'medium', 5325],
    ['high', 'high', 6554],
    ['xhigh', 'high', 7782],
  ] as const)('reasoning %p reaches OpenAI as reasoning_effort %p', async (reasoning, effort, maxTokens) => {
    openaiUp.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
    const r = await generateText({ model: anthropic()('openai/o4-mini'), prompt: 'Why is the sky blue?', reasoning, maxRetries: 0 });
    expect(r.text).toBe('Hello! How can I help you today?');
    expect(openaiUp.last().body).toMatchObject({ model: 'o4-mini', reasoning_effort: effort, max_completion_tokens: maxTokens });
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({ provider: 'openai', status: 200 });
  });
});

describe('structured output', () => {
  test("Anthropic: the SDK's output_config.format reaches Anthropic untouched; the JSON text is parsed", async () => {
    anthropicUp.handler = () => jsonResponse(fixtureWith('anthropic', 'text.json', (j) => (j.content = [{ type: 'text', text: JSON.stringify(lasagna) }])));
    const r = await generateObject({ model: anthropic()('claude-sonnet-4-5'), schema: recipe, prompt: 'A recipe', maxRetries: 0 });
    expect(r.object).toEqual(lasagna);
    expect(anthropicUp.last().body.output_config).toEqual({ format: { type: 'json_schema', schema: recipe.jsonSchema } });
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 21, completionTokens: 12 });
  });

  test("OpenAI and Gemini: the SDK's forced `json` tool becomes each provider's forced function call", async () => {
    openaiUp.handler = () =>
      jsonResponse(fixtureWith('openai', 'tools.json', (j) => (j.choices[0].message.tool_calls = [{ id: 'call_J1', type: 'function', function: { name: 'json', arguments: JSON.stringify(lasagna) } }])));
    const o = await generateObject({ model: anthropic()('openai/gpt-4o-mini'), schema: recipe, prompt: 'A recipe', maxRetries: 0 });
    expect(o.object).toEqual(lasagna);
    expect(openaiUp.last().body).toMatchObject({ tool_choice: 'required', parallel_tool_calls: false, tools: [{ type: 'function', function: { name: 'json', parameters: recipe.jsonSchema } }] });
    expect(await gw.waitForRow(idOf(o.response.headers))).toMatchObject({ provider: 'openai', status: 200, promptTokens: 82, completionTokens: 46 });

    gemini.handler = () => jsonResponse(fixtureWith('gemini', 'tool-call-gemini3.json', (j) => (j.candidates[0].content.parts = [{ functionCall: { name: 'json', args: lasagna } }])));
    const g = await generateObject({ model: anthropic()('gemini/gemini-2.5-flash'), schema: recipe, prompt: 'A recipe', maxRetries: 0 });
    expect(g.object).toEqual(lasagna);
    expect(gemini.last().body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(await gw.waitForRow(idOf(g.response.headers))).toMatchObject({ provider: 'gemini', status: 200, promptTokens: g.usage.inputTokens, completionTokens: g.usage.outputTokens });
  });
});

test('cache control: the breakpoints reach Anthropic, the cache write is in usage and the row; OpenAI gets plain text', async () => {
  const messages: ModelMessage[] = [
    { role: 'system', content: 'The contract: ...', providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } } },
    { role: 'user', content: [{ type: 'text', text: 'How long is the term?', providerOptions: { anthropic: { cacheControl: { type: 'ephemeral', ttl: '1h' } } } }] },
  ];
  anthropicUp.handler = () => jsonResponse(fixtureJson('anthropic', 'cache-write.json'));
  const r = await generateText({ model: anthropic()('claude-sonnet-4-5'), messages, allowSystemInMessages: true, maxRetries: 0 });
  expect(anthropicUp.last().body).toMatchObject({
    system: [{ type: 'text', text: 'The contract: ...', cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'How long is the term?', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
  });
  expect(r.usage).toMatchObject({ inputTokens: 2060, inputTokenDetails: { cacheWriteTokens: 2048, cacheReadTokens: 0 } });
  expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({ provider: 'anthropic', promptTokens: 2060, cacheWriteTokens: 2048, cachedTokens: 0 });

  openaiUp.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
  await generateText({ model: anthropic()('openai/gpt-4o-mini'), messages, allowSystemInMessages: true, maxRetries: 0 });
  expect(openaiUp.last().body.messages).toEqual([{ role: 'system', content: 'The contract: ...' }, { role: 'user', content: 'How long is the term?' }]);
});

test("a tool conversation begun on Gemini 3 goes on with OpenAI: Gemini's long call ids are shortened to OpenAI's 40, still paired", async () => {
  gemini.handler = () => jsonResponse(fixtureJson('gemini', 'tool-call-gemini3.json'));
  const first = await generateText({ model: anthropic()('gemini/gemini-3-pro-preview'), prompt: 'Weather in Paris?', tools: { get_weather: weather }, stopWhen: stepCountIs(1), maxRetries: 0 });
  const geminiId = first.toolCalls[0]!.toolCallId;
  expect(geminiId.length).toBeGreaterThan(40);

  openaiUp.handler = (_r, rec) => openaiIdCheck(rec) ?? jsonResponse(fixtureJson('openai', 'chat.json'));
  const second = await generateText({ model: anthropic()('openai/gpt-4o-mini'), messages: [{ role: 'user', content: 'Weather in Paris?' }, ...first.response.messages], tools: { get_weather: weather }, maxRetries: 0 });
  expect(second.text).toBe('Hello! How can I help you today?');
  const sent = openaiUp.last().body.messages;
  const callId = sent[1].tool_calls[0].id;
  expect(callId).toMatch(/^call_[0-9a-f]{32}$/);
  expect(sent[2]).toMatchObject({ role: 'tool', tool_call_id: callId });
  expect(await gw.waitForRow(idOf(second.response.headers))).toMatchObject({ provider: 'openai', status: 200 });
});
