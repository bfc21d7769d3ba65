/**
 * The Vercel AI SDK's default OpenAI model (`provider(model)`, the Responses API) and
 * `provider.responses(model)` through the real gateway: OpenAI targets passed through to a fake
 * OpenAI `/v1/responses`, other providers bridged to a fake chat upstream (DeepSeek). Streaming
 * and not, a tool loop the SDK runs itself, and the log row each request left.
 */
import { describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, jsonSchema, Output, stepCountIs, streamText, tool } from 'ai';
import { fixtureJson, fixtureText, jsonResponse, rawJsonResponse, readChunks, sseEventsResponse, sseResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from './fake-providers';
import { anthropicSse } from '../anthropic/fake-anthropic';
import { fixtureWith } from './openai-sdk-fakes';

let gw: TestGateway;
const { openaiUp, deepseekUp, anthropicUp } = useFakeProviders((g) => void (gw = g));

/** Request bodies the SDK sent to the gateway, newest last. */
const sdkSent: any[] = [];
const recordingFetch = Object.assign((url: string | URL | Request, init?: RequestInit) => (sdkSent.push(JSON.parse(String(init?.body))), fetch(url, init)), fetch);
const provider = () => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey, fetch: recordingFetch });
const idOf = (headers: Record<string, string | undefined> | undefined) => headers?.['x-request-id'] ?? 'no x-request-id';

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }),
  execute: async ({ city }) => ({ city, sky: 'sunny', celsius: 21 }),
});

/** A DeepSeek chat completion answering `content` (usage 130 in, 9 out). */
const deepseekAnswer = (content: string) => ({
  id: 'c2', object: 'chat.completion', created: 1745400300, model: 'deepseek-chat',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 130, completion_tokens: 9, total_tokens: 139, prompt_tokens_details: { cached_tokens: 0 }, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 130 },
});

/** OpenAI's recorded Responses stream, each payload named by its type as OpenAI sends it. */
const openaiResponseStream = () =>
  sseEventsResponse(readChunks('responses', 'openai-response-stream.chunks.txt').map((data) => ({ event: JSON.parse(data).type, data })));

describe('AI SDK Responses model, OpenAI target (pass-through)', () => {
  test('generateText with the default model: text, reasoning usage, log row', async () => {
    openaiUp.handler = () => new Response(fixtureText('responses', 'openai-response.json'), { headers: { 'content-type': 'application/json' } });
    const r = await generateText({ model: provider()('gpt-5-mini'), system: 'Be brief.', prompt: 'Hi', maxRetries: 0 });
    expect(r.text).toBe('Hi! How can I help?');
    expect(r.finishReason).toBe('stop');
    expect(r.usage).toMatchObject({ inputTokens: 21, outputTokens: 78, outputTokenDetails: { reasoningTokens: 64 } });
    const sent = openaiUp.last();
    expect(sent.path).toBe('/v1/responses');
    expect(sent.body).toMatchObject({ model: 'gpt-5-mini', input: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }] });
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({
      endpoint: 'responses', provider: 'openai', stream: false, status: 200, promptTokens: 21, completionTokens: 78, reasoningTokens: 64,
    });
  });

  test('streamText: OpenAI events relayed, text and usage from response.completed', async () => {
    openaiUp.handler = openaiResponseStream;
    const r = streamText({ model: provider().responses('gpt-4o-mini'), prompt: 'Hello', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const d of r.textStream) deltas.push(d);
    expect(deltas).toEqual(['Hello', '!', ' How', ' can I help?']);
    expect(await r.finishReason).toBe('stop');
    expect(await r.usage).toMatchObject({ inputTokens: 9, outputTokens: 7, totalTokens: 16 });
    expect(openaiUp.last().body).toMatchObject({ model: 'gpt-4o-mini', stream: true });
    expect(await gw.waitForRow(idOf((await r.response).headers))).toMatchObject({ stream: true, status: 200, promptTokens: 9, completionTokens: 7 });
  });
});

describe('AI SDK Responses model, DeepSeek target (bridged through chat)', () => {
  test('generateText: text and usage in Responses shape; the upstream got a chat request', async () => {
    deepseekUp.handler = () => jsonResponse(deepseekAnswer('Bonjour! Comment puis-je aider?'));
    const r = await generateText({ model: provider()('deepseek-chat'), system: 'Answer in French.', prompt: 'Hello', maxRetries: 0 });
    expect(r.text).toBe('Bonjour! Comment puis-je aider?');
    expect(r.finishReason).toBe('stop');
    expect(r.usage).toMatchObject({ inputTokens: 130, outputTokens: 9, totalTokens: 139 });
    expect(deepseekUp.last().path).toBe('/chat/completions');
    expect(deepseekUp.last().body.messages).toEqual([
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Hello' },
    ]);
    expect(await gw.waitForRow(idOf(r.response.headers))).toMatchObject({ endpoint: 'responses', provider: 'deepseek', status: 200, promptTokens: 130, completionTokens: 9 });
  });

  test('generateText with a tool: reasoning, text and the call, the result sent back, then the answer', async () => {
    let calls = 0;
    deepseekUp.handler = () =>
      jsonResponse(calls++ === 0 ? fixtureJson('responses', 'deepseek-reasoner-tools.completion.json') : deepseekAnswer('Sunny, 21 °C in Paris.'));
    const r = await generateText({
      model: provider().responses('deepseek-reasoner'),
      prompt: 'Weather in Paris?',
      tools: { get_weather: weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    const [first, second] = r.steps as [any, any];
    expect(first.finishReason).toBe('tool-calls');
    // (the SDK shows a reasoning item's summary only; the bridge's reasoning is its `content`, and its summary only when asked for: see reasoningSummary below)
    expect(first.reasoning).toHaveLength(1);
    expect(first.text).toBe('Let me check the weather.');
    expect(first.toolCalls.map((c: any) => [c.toolCallId, c.toolName, c.input])).toEqual([
      ['call_0_a1b2c3d4-e5f6-4711-8899-aabbccddeeff', 'get_weather', { city: 'Paris' }],
    ]);
    expect(first.usage).toMatchObject({ inputTokens: 95, outputTokens: 60, outputTokenDetails: { reasoningTokens: 40 } });
    expect(r.text).toBe('Sunny, 21 °C in Paris.');
    expect(r.steps).toHaveLength(2);

    expect(deepseekUp.requests.at(-2)!.body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
          strict: expect.any(Boolean),
        },
      },
    ]);
    // The SDK sent the text and reasoning back as item references (store defaults to true), the
    // call and its result in full: the second chat request carries the whole turn.
    expect(sdkSent.at(-1).input.map((i: any) => i.type ?? i.role)).toEqual(['user', 'item_reference', 'item_reference', 'function_call', 'function_call_output']);
    expect(deepseekUp.last().body.messages).toEqual([
      { role: 'system', content: 'Always respond in English.' }, // the DeepSeek adapter's default
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: 'Let me check the weather.',
        reasoning_content: 'The user wants the weather in Paris; I should call get_weather.',
        tool_calls: [{ id: 'call_0_a1b2c3d4-e5f6-4711-8899-aabbccddeeff', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_0_a1b2c3d4-e5f6-4711-8899-aabbccddeeff', content: JSON.stringify({ city: 'Paris', sky: 'sunny', celsius: 21 }) },
    ]);
    expect(await gw.waitForRow(idOf(first.response.headers))).toMatchObject({ status: 200, promptTokens: 95, completionTokens: 60, reasoningTokens: 40 });
    expect(await gw.waitForRow(idOf(second.response.headers))).toMatchObject({ status: 200, promptTokens: 130, completionTokens: 9 });
  });

  test('previousResponseId set for each step of a tool loop: the conversation the SDK sends again is not repeated upstream', async () => {
    // Two rounds of calls, then the answer. With previousResponseId the SDK still sends the whole
    // conversation (the user turn, its earlier text by reference, every call and result).
    const toolAnswer = (call: string, city: string) =>
      fixtureWith('responses', 'deepseek-reasoner-tools.completion.json', (j) => {
        Object.assign(j.choices[0].message.tool_calls[0], { id: call });
        j.choices[0].message.tool_calls[0].function.arguments = JSON.stringify({ city });
      });
    const answers = [toolAnswer('call_0_paris', 'Paris'), toolAnswer('call_0_tokyo', 'Tokyo'), deepseekAnswer('Sunny in both.')];
    deepseekUp.handler = () => jsonResponse(answers.shift());
    const r = await generateText({
      model: provider().responses('deepseek-reasoner'),
      prompt: 'Weather in Paris, then Tokyo?',
      tools: { get_weather: weather },
      stopWhen: stepCountIs(4),
      maxRetries: 0,
      prepareStep: ({ steps }) => (steps.length ? { providerOptions: { openai: { previousResponseId: steps.at(-1)!.providerMetadata!.openai!.responseId as string } } } : {}),
    });
    expect(r.text).toBe('Sunny in both.');
    expect(r.steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'tool-calls', 'stop']);
    const sent = sdkSent.at(-1);
    expect(sent.previous_response_id).toBe(r.steps[1]!.providerMetadata!.openai!.responseId);
    expect(sent.input.filter((i: any) => i.type === 'function_call')).toHaveLength(2);
    const result = (city: string) => JSON.stringify({ city, sky: 'sunny', celsius: 21 });
    expect(deepseekUp.last().body.messages.map((m: any) => [m.role, m.content, m.tool_calls?.map((c: any) => c.id) ?? m.tool_call_id ?? null])).toEqual([
      ['system', 'Always respond in English.', null],
      ['user', 'Weather in Paris, then Tokyo?', null],
      ['assistant', 'Let me check the weather.', ['call_0_paris']],
      ['tool', result('Paris'), 'call_0_paris'],
      ['assistant', 'Let me check the weather.', ['call_0_tokyo']],
      ['tool', result('Tokyo'), 'call_0_tokyo'],
    ]);
  });

  test('streamText with a tool: parallel calls streamed, results sent back, answer streamed', async () => {
    let calls = 0;
    const time = tool({
      description: 'Current time in a time zone',
      inputSchema: jsonSchema<{ tz: string }>({ type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] }),
      execute: async ({ tz }) => `12:00 ${tz}`,
    });
    deepseekUp.handler = () =>
      calls++ === 0
        ? sseResponse([...readChunks('responses', 'deepseek-chat-tools.chunks.txt'), '[DONE]'])
        : sseResponse(readChunks('deepseek', 'text.chunks.txt'));
    const r = streamText({
      model: provider().responses('deepseek-chat'),
      prompt: 'Weather and time?',
      tools: { get_weather: weather, get_time: time },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    const parts: any[] = await Array.fromAsync(r.fullStream);
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
    expect(parts.filter((p) => p.type === 'tool-call').map((c) => [c.toolName, c.input])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_time', { tz: 'CET' }],
    ]);
    const steps = await r.steps;
    expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
    expect(steps[0]!.usage).toMatchObject({ inputTokens: 180, outputTokens: 41, inputTokenDetails: { cacheReadTokens: 128 } });
    expect(await r.text).toBe('Hello! How can I help?');
    expect(deepseekUp.last().body.messages.filter((m: any) => m.role === 'tool')).toEqual([
      { role: 'tool', tool_call_id: 'call_0_5e1c8a6b-3f43-4a52-b6a0-9b7d7f3c2e10', content: JSON.stringify({ city: 'Paris', sky: 'sunny', celsius: 21 }) },
      { role: 'tool', tool_call_id: 'call_1_0a9d3e2f-7c61-4b8e-a1d2-c3e4f5a6b7c8', content: '12:00 CET' },
    ]);
    expect(await gw.waitForRow(idOf(steps[0]!.response.headers))).toMatchObject({ stream: true, status: 200, promptTokens: 180, completionTokens: 41, cachedTokens: 128 });
  });

  test('streamText with a reasoning model: the streamed reasoning goes back by reference inside the tool loop', async () => {
    let calls = 0;
    deepseekUp.handler = () => sseResponse(readChunks('deepseek', calls++ === 0 ? 'reasoner-tools.chunks.txt' : 'text.chunks.txt'));
    const r = streamText({
      model: provider().responses('deepseek-reasoner'),
      prompt: 'Weather in Paris and Tokyo?',
      tools: { get_weather: weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(await r.text).toBe('Hello! How can I help?');
    const steps = await r.steps;
    expect(steps.map((s) => s.toolCalls.length)).toEqual([2, 0]);
    expect(sdkSent.at(-1).input.map((i: any) => i.type ?? i.role)).toEqual([
      'user', 'item_reference', 'function_call', 'function_call', 'function_call_output', 'function_call_output',
    ]);
    const [, , assistant] = deepseekUp.last().body.messages;
    expect(assistant).toMatchObject({
      role: 'assistant',
      reasoning_content: 'I need the weather for both cities, so I call the tool twice.',
      tool_calls: [{ id: 'call_0_7c1e4a2b-1f3d-4c5e-8a9b-0c1d2e3f4a5b' }, { id: 'call_1_9d2f5b3c-2a4e-4d6f-9b0c-1d2e3f4a5b6c' }],
    });
    expect(await gw.waitForRow(idOf(steps[0]!.response.headers))).toMatchObject({ stream: true, status: 200, promptTokens: 210, completionTokens: 64 });
  });

  test("item references resolve for the client whose response holds the item, OpenAI's 404 otherwise", async () => {
    deepseekUp.handler = () => jsonResponse(deepseekAnswer('Bonjour!'));
    const post = (input: unknown[], key = gw.clientKey) =>
      gw.fetch('/v1/responses', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ model: 'deepseek-chat', input }) });
    const first = await (await post([{ role: 'user', content: 'Hi' }])).json();
    const ref = [{ role: 'user', content: 'Hi' }, { type: 'item_reference', id: first.output[0].id }, { role: 'user', content: 'Again' }];

    expect((await post(ref)).status).toBe(200);
    expect(deepseekUp.last().body.messages.slice(1)).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Bonjour!' },
      { role: 'user', content: 'Again' },
    ]);
    for (const res of [await post(ref, gw.addClient('other client').key), await post([{ type: 'item_reference', id: 'msg_0123' }])]) {
      expect(res.status).toBe(404);
      expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'item_not_found', param: expect.stringMatching(/^input\[\d\]\.id$/) });
      expect(await gw.waitForRow(res)).toMatchObject({ endpoint: 'responses', status: 404, modelRequested: 'deepseek-chat' });
    }
  });

  test("previousResponseId of an OpenAI model's response: a 400 saying OpenAI holds it, not the 404 of an unknown id; nothing sent upstream", async () => {
    openaiUp.handler = () => rawJsonResponse(fixtureText('responses', 'openai-response.json'));
    const first = await generateText({ model: provider().responses('openai/gpt-4o-mini'), prompt: 'Hi', maxRetries: 0 });
    const previousResponseId = first.providerMetadata?.openai?.responseId as string;
    expect(previousResponseId).toStartWith('resp_');

    const before = deepseekUp.requests.length;
    const fail = (id: string) =>
      generateText({ model: provider().responses('deepseek-chat'), prompt: 'And tomorrow?', providerOptions: { openai: { previousResponseId: id } }, maxRetries: 0 }).then(
        () => null,
        (e: unknown) => e as APICallError,
      );
    const err = await fail(previousResponseId);
    expect(APICallError.isInstance(err)).toBe(true);
    expect(err!.statusCode).toBe(400);
    expect(JSON.parse(err!.responseBody!).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'unsupported_parameter',
      param: 'previous_response_id',
      message: expect.stringContaining(`'${previousResponseId}' was made by an OpenAI model and is held by OpenAI, so provider 'deepseek' cannot continue it`),
    });
    expect(deepseekUp.requests.length).toBe(before);
    expect(await gw.waitForRow(idOf(err!.responseHeaders))).toMatchObject({ endpoint: 'responses', status: 400, modelRequested: 'deepseek-chat' });

    // an id the gateway never saw is still OpenAI's 400 previous_response_not_found
    const unknown = await fail('resp_0123456789abcdef');
    expect(unknown!.statusCode).toBe(400);
    expect(JSON.parse(unknown!.responseBody!).error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
  });

  test("generateText with Output.object: DeepSeek's JSON mode takes no schema, so text.format json_schema is a 400 before any call", async () => {
    const recipe = jsonSchema<{ name: string }>({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false });
    const before = deepseekUp.requests.length;
    const err = await generateText({ model: provider()('deepseek-chat'), output: Output.object({ schema: recipe, name: 'recipe' }), prompt: 'A dish', maxRetries: 0 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(APICallError.isInstance(err)).toBe(true);
    const e = err as APICallError;
    expect(e.statusCode).toBe(400);
    expect(JSON.parse(e.responseBody!).error).toMatchObject({ code: 'unsupported_parameter', param: 'text.format', message: expect.stringContaining("provider 'deepseek'") });
    expect(sdkSent.at(-1).text.format).toMatchObject({ type: 'json_schema', name: 'recipe' });
    expect(deepseekUp.requests.length).toBe(before);
    expect(await gw.waitForRow(idOf(e.responseHeaders))).toMatchObject({ endpoint: 'responses', status: 400, modelRequested: 'deepseek-chat' });
  });
});

describe('AI SDK Responses model, DeepSeek reasoner with reasoningSummary (bridged through chat)', () => {
  const reasoning = 'I need the weather for both cities, so I call the tool twice.';
  // The SDK sends `reasoning` only for models it knows reason; `forceReasoning` says this one does.
  const providerOptions = { openai: { reasoningSummary: 'auto', forceReasoning: true } };

  for (const stream of [false, true]) {
    test(`${stream ? 'streamText' : 'generateText'}: reasoningText is the upstream's reasoning, and the tool loop sends it upstream once`, async () => {
      let calls = 0;
      deepseekUp.handler = () =>
        calls++ === 0
          ? stream ? sseResponse(readChunks('deepseek', 'reasoner-tools.chunks.txt')) : jsonResponse(fixtureJson('deepseek', 'tools.json'))
          : stream ? sseResponse(readChunks('deepseek', 'text.chunks.txt')) : jsonResponse(deepseekAnswer('Hello! How can I help?'));
      const args = { model: provider().responses('deepseek-reasoner'), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0, providerOptions };
      const r = stream ? streamText(args) : await generateText(args);
      expect(await r.text).toBe('Hello! How can I help?');
      const steps = await r.steps;
      expect(steps.map((s) => s.toolCalls.length)).toEqual([2, 0]);
      expect(steps[0]!.reasoningText).toBe(reasoning);
      expect(sdkSent.at(-2).reasoning).toEqual({ summary: 'auto' });

      // The follow-up carries the reasoning item (by reference: store is on) and the upstream gets its text once.
      expect(sdkSent.at(-1).input.map((i: any) => i.type ?? i.role)).toContain('item_reference');
      const sent = deepseekUp.last().body;
      expect(sent.messages[2]).toMatchObject({ role: 'assistant', reasoning_content: reasoning, tool_calls: [{ function: { name: 'get_weather' } }, { function: { name: 'get_weather' } }] });
      expect(JSON.stringify(sent).split(reasoning)).toHaveLength(2);
    });
  }
});

describe('AI SDK Responses model, Anthropic target (bridged through chat)', () => {
  const thinkingTool = fixtureJson('anthropic', 'thinking-tool.json');

  for (const stream of [false, true]) {
    test(`${stream ? 'streamText' : 'generateText'} with a tool: the signed thinking goes back to Anthropic by item reference`, async () => {
      let calls = 0;
      anthropicUp.handler = () =>
        calls++ === 0
          ? stream ? anthropicSse('thinking-tool.sse') : jsonResponse(thinkingTool)
          : stream ? anthropicSse('text.sse') : jsonResponse(fixtureJson('anthropic', 'after-tool.json'));
      const args = { model: provider().responses('claude-sonnet-4-5'), prompt: 'Weather in Paris?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 };
      const r = stream ? streamText(args) : await generateText(args);
      expect(await r.text).toBe(stream ? 'Once upon a time.' : 'It is 18 °C and sunny in Paris.');
      const steps = await r.steps;
      expect(steps[0]!.toolCalls.map((c) => [c.toolCallId, c.input])).toEqual([['toolu_01T1x1fJ34qAmk2tNTrN7Up6', { city: 'Paris', unit: 'c' }]]);
      expect(sdkSent.at(-1).input.map((i: any) => i.type ?? i.role)).toEqual(['user', 'item_reference', 'item_reference', 'function_call', 'function_call_output']);

      const [, assistant, toolTurn] = anthropicUp.last().body.messages;
      expect(assistant).toEqual({
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: thinkingTool.content[0].thinking, signature: thinkingTool.content[0].signature },
          { type: 'text', text: 'Let me check the weather.' },
          { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
        ],
      });
      expect(toolTurn.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6' });
      expect(await gw.waitForRow(idOf(steps[0]!.response.headers))).toMatchObject({ provider: 'anthropic', stream, status: 200, promptTokens: 472, completionTokens: 89 });
    });
  }
});
