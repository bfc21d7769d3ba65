/**
 * OpenAI's custom (freeform) tools, as Codex CLI gives its `apply_patch`, on models the gateway
 * bridges: each goes up as a function of one string, `input` (its grammar told in the description),
 * and the model's call of it comes back as the custom call the client asked for: a
 * `custom_tool_call` item (Responses), a `type: "custom"` tool call (chat), whole or streamed; the
 * call and its output given back as input go up as the provider's own tool history. Fake Anthropic
 * and DeepSeek upstreams on loopback replay their wire shapes; the official `openai` client drives
 * the gateway; one log row per request, found by its x-request-id.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { fixtureJson, fixtureText, replay, replayJson, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { json, sse } from '../anthropic/fake-anthropic';
import { expectValidEvents } from './responses-rig';
import { schemaErrors } from './openai-schema';

const CLAUDE = 'anthropic/claude-sonnet-4-5';
const PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+print("hello")\n*** End Patch';
const GRAMMAR = 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF';
const applyPatch = { type: 'custom' as const, name: 'apply_patch', description: 'Edits files with a patch.', format: { type: 'grammar' as const, syntax: 'lark' as const, definition: GRAMMAR } };
const note = { type: 'custom' as const, name: 'note', description: 'Writes a note.', format: { type: 'text' as const } };
const shell = { type: 'function' as const, name: 'shell', strict: false, parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } };
const INPUT_SCHEMA = { type: 'object', properties: { input: { type: 'string', description: expect.any(String) } }, required: ['input'] };

const anthropic = startFakeUpstream();
const deepseek = startFakeUpstream();
const openai = startFakeUpstream();
const xai = startFakeUpstream();
const gemini = startFakeUpstream();
let gw: TestGateway;
let client: OpenAI;
useGateway(
  (g) => {
    gw = g;
    client = g.openai();
  },
  { env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('grok', `${xai.url}/v1`), ...providerEnv('gemini', gemini.url), ...providerEnv('anthropic', anthropic.url), ...providerEnv('deepseek', deepseek.url, { LLM_PROXY__PROVIDERS__DEEPSEEK__API_KEY: 'sk-test-deepseek' }) } },
);
afterAll(() => {
  anthropic.close();
  deepseek.close();
  openai.close();
  xai.close();
  gemini.close();
});
beforeEach(() => {
  anthropic.requests.length = 0;
  deepseek.requests.length = 0;
});

/** The SSE events of a raw streamed answer. */
const eventsOf = (text: string) => text.split('\n\n').filter((b) => b.includes('data: ')).map((b) => JSON.parse(b.slice(b.indexOf('data: ') + 6)));

describe('Responses: a custom tool on a bridged model', () => {
  test('Claude, JSON: apply_patch (lark grammar) goes up as a function of `input`, its tool_use comes back a custom_tool_call', async () => {
    anthropic.handler = json('custom-tool.json');
    const { data, response } = await client.responses
      .create({ model: CLAUDE, input: 'Add hello.txt', tools: [shell, applyPatch], tool_choice: { type: 'custom', name: 'apply_patch' } })
      .withResponse();
    const sent = anthropic.requests.at(-1)!.body;
    expect(sent.tools[1]).toEqual({ name: 'apply_patch', description: `Edits files with a patch.\n\nThe input must match this lark grammar:\n${GRAMMAR}`, input_schema: INPUT_SCHEMA });
    expect(sent.tool_choice).toMatchObject({ type: 'tool', name: 'apply_patch' });
    expect(data.output.map((o) => o.type)).toEqual(['message', 'custom_tool_call']);
    const call = data.output[1] as OpenAI.Responses.ResponseCustomToolCall;
    expect(call).toMatchObject({ type: 'custom_tool_call', call_id: 'toolu_01AbCdEfGhPatch0000000001', name: 'apply_patch', input: PATCH, status: 'completed' });
    expect(call.id).toStartWith('ctc_');
    // The tools echoed as they were sent: the custom tool as OpenAI echoes it, not as a function without parameters.
    expect(data.tools).toEqual([
      { type: 'function', name: 'shell', description: null, parameters: shell.parameters, strict: false },
      { type: 'custom', name: 'apply_patch', description: 'Edits files with a patch.', format: applyPatch.format },
    ]);
    expect(schemaErrors('Response', data)).toEqual([]);
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'responses', status: 200, provider: 'anthropic', promptTokens: 612, completionTokens: 71 });
  });

  test("Claude, stream: the call streams as custom_tool_call events, OpenAI's sequence, valid against its schemas", async () => {
    anthropic.handler = sse('custom-tool.sse');
    const res = await gw.fetch('/v1/responses', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: CLAUDE, input: 'Add hello.txt', tools: [note, applyPatch], stream: true }),
    });
    expect(res.status).toBe(200);
    const events = eventsOf(await res.text());
    expectValidEvents(events);
    const custom = events.filter((e) => e.type.includes('custom_tool_call') || e.item?.type === 'custom_tool_call');
    expect(custom.map((e) => e.type)).toEqual(['response.output_item.added', 'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.output_item.done']);
    expect(custom[0].item).toMatchObject({ type: 'custom_tool_call', call_id: 'toolu_01AbCdEfGhPatch0000000002', name: 'apply_patch', input: '', status: 'in_progress' });
    expect(custom[1].delta).toBe(PATCH);
    expect(custom[2]).toMatchObject({ item_id: custom[0].item.id, output_index: 1, input: PATCH });
    expect(custom[3].item).toMatchObject({ type: 'custom_tool_call', input: PATCH, status: 'completed' });
    expect(events.at(-1).response.output.map((o: any) => o.type)).toEqual(['message', 'custom_tool_call']);
    expect(events.at(-1).response.tools).toEqual([{ type: 'custom', name: 'note', description: 'Writes a note.', format: { type: 'text' } }, applyPatch]);
    // The text format's tool: its description as it was, no grammar.
    expect(anthropic.requests.at(-1)!.body.tools[0]).toEqual({ name: 'note', description: 'Writes a note.', input_schema: INPUT_SCHEMA });
    expect(await gw.waitForRow(res)).toMatchObject({ status: 200, stream: true, provider: 'anthropic', completionTokens: 71 });
  });

  test('DeepSeek, stream: tool_calls of the function come back a custom_tool_call with its input whole', async () => {
    deepseek.handler = replay('deepseek', 'custom-tool.chunks.txt');
    const { data: stream, response } = await client.responses.create({ model: 'deepseek-chat', input: 'Add hello.txt', tools: [applyPatch], stream: true }).withResponse();
    const events: any[] = [];
    for await (const e of stream) events.push(e);
    expectValidEvents(events);
    const sent = deepseek.requests.at(-1)!.body;
    expect(sent.tools).toEqual([{ type: 'function', function: { name: 'apply_patch', description: expect.stringContaining('lark grammar'), parameters: INPUT_SCHEMA } }]);
    const done = events.find((e) => e.type === 'response.custom_tool_call_input.done');
    expect(done.input).toBe(PATCH);
    const final = events.at(-1).response;
    expect(final.output).toEqual([expect.objectContaining({ type: 'custom_tool_call', call_id: 'call_0_3f9a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b', name: 'apply_patch', input: PATCH })]);
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, stream: true, promptTokens: 305 });
  });

  test('DeepSeek, a two-turn loop: the custom_tool_call and its custom_tool_call_output go up as the call and its tool result', async () => {
    deepseek.handler = replayJson('deepseek', 'custom-tool.json');
    const first = await client.responses.create({ model: 'deepseek-chat', input: 'Add hello.txt', tools: [applyPatch] }).withResponse();
    const call = first.data.output.find((o) => o.type === 'custom_tool_call') as OpenAI.Responses.ResponseCustomToolCall;
    expect(call).toMatchObject({ call_id: 'call_0_5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d', input: PATCH });
    await gw.waitForRow(first.response);

    deepseek.handler = replayJson('deepseek', 'chat.json');
    // Stateless, as Codex sends it (the call item back without its id), and through previous_response_id.
    const { id: _id, ...resent } = call;
    const output = { type: 'custom_tool_call_output' as const, call_id: call.call_id, output: 'Done!' };
    for (const body of [
      { input: [{ role: 'user' as const, content: 'Add hello.txt' }, resent, output] },
      { previous_response_id: first.data.id, input: [output] },
    ]) {
      const second = await client.responses.create({ model: 'deepseek-chat', tools: [applyPatch], ...body }).withResponse();
      expect(second.data.output_text).toBeTruthy();
      const messages = deepseek.requests.at(-1)!.body.messages;
      expect(messages.slice(-2)).toEqual([
        expect.objectContaining({ role: 'assistant', tool_calls: [{ id: call.call_id, type: 'function', function: { name: 'apply_patch', arguments: JSON.stringify({ input: PATCH }) } }] }),
        { role: 'tool', tool_call_id: call.call_id, content: 'Done!' },
      ]);
      expect(await gw.waitForRow(second.response)).toMatchObject({ status: 200, endpoint: 'responses' });
    }
  });

  test('allowed_tools naming the custom tool: only it goes up, as its function, the mode the choice', async () => {
    deepseek.handler = replayJson('deepseek', 'custom-tool.json');
    const { data, response } = await client.responses
      .create({ model: 'deepseek-chat', input: 'Add hello.txt', tools: [shell, applyPatch], tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'custom', name: 'apply_patch' }] } })
      .withResponse();
    const sent = deepseek.requests.at(-1)!.body;
    expect(sent.tools.map((t: any) => [t.type, t.function.name])).toEqual([['function', 'apply_patch']]);
    expect(sent.tool_choice).toBe('required');
    expect(data.output[0]).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: PATCH });
    expect((await gw.waitForRow(response)).status).toBe(200);
  });

  test("Grok, whose Responses API runs functions only: the request goes through the bridge, the tool to xAI's chat as a function", async () => {
    const answer = fixtureJson('grok', 'tools.json');
    answer.choices[0].message.tool_calls = [{ id: 'call_70416631', function: { name: 'apply_patch', arguments: JSON.stringify({ input: PATCH }) }, type: 'function' }];
    xai.handler = () => Response.json(answer);
    const { data, response } = await client.responses.create({ model: 'grok-4.3', input: 'Add hello.txt', tools: [applyPatch] }).withResponse();
    const sent = xai.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.body.tools).toEqual([{ type: 'function', function: { name: 'apply_patch', description: expect.stringContaining('lark grammar'), parameters: INPUT_SCHEMA } }]);
    expect(data.output).toEqual([expect.objectContaining({ type: 'custom_tool_call', call_id: 'call_70416631', name: 'apply_patch', input: PATCH })]);
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'grok' });
  });

  test("Grok given a built-in tool it runs beside the custom tool (a live web_search and apply_patch): the 400 names both and why, before any call; one row", async () => {
    xai.requests.length = 0;
    for (const [tools, param, says] of [
      [[applyPatch, { type: 'web_search' }], 'tools[1]', "The built-in tool 'web_search' cannot be used together with the custom tool 'apply_patch' on provider 'grok'"],
      // One xAI does not run at all is refused as such, naming what it runs.
      [[applyPatch, { type: 'image_generation' }], 'tools[1]', "its Responses API runs function tools and web_search"],
    ] as const) {
      const res = await gw.fetch('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'grok-4.3', input: 'Add hello.txt', tools, stream: true }) });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ code: 'unsupported_tool', param, message: expect.stringContaining(says) });
      expect(await gw.waitForRow(res)).toMatchObject({ status: 400, endpoint: 'responses' });
    }
    expect(xai.requests).toHaveLength(0);
  });

  test("Codex's default web_search (OpenAI's cache only, external_web_access false) is left out for a bridged model, beside apply_patch on Claude and on Grok; a live one is still refused", async () => {
    const cached = { type: 'web_search', external_web_access: false };
    anthropic.handler = json('custom-tool.json');
    const { data, response } = await client.responses.create({ model: CLAUDE, input: 'Add hello.txt', tools: [cached, applyPatch, shell] } as any).withResponse();
    expect(anthropic.requests.at(-1)!.body.tools.map((t: any) => t.name)).toEqual(['apply_patch', 'shell']);
    expect(data.output.map((o) => o.type)).toEqual(['message', 'custom_tool_call']);
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'anthropic' });

    const answer = fixtureJson('grok', 'tools.json');
    answer.choices[0].message.tool_calls = [{ id: 'call_70416632', function: { name: 'apply_patch', arguments: JSON.stringify({ input: PATCH }) }, type: 'function' }];
    xai.handler = () => Response.json(answer);
    const grok = await client.responses.create({ model: 'grok-4.3', input: 'Add hello.txt', tools: [applyPatch, cached] } as any);
    expect(xai.requests.at(-1)!.path).toBe('/v1/chat/completions');
    expect(xai.requests.at(-1)!.body.tools.map((t: any) => t.function.name)).toEqual(['apply_patch']);
    expect(grok.output.map((o) => o.type)).toEqual(['custom_tool_call']);

    // A later tool's 400 still names its own index (the left-out tool counted).
    const bad = await gw.fetch('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: CLAUDE, input: 'x', tools: [cached, { type: 'function' }] }) });
    expect((await bad.json()).error).toMatchObject({ param: 'tools[1].name' });
    const live = await gw.fetch('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: CLAUDE, input: 'x', tools: [{ type: 'web_search' }] }) });
    expect(live.status).toBe(400);
    expect((await live.json()).error).toMatchObject({ code: 'unsupported_tool', param: 'tools[0]' });
  });

  test("Gemini: the tool as a function declaration, its functionCall back a custom_tool_call; input_tokens counts the request", async () => {
    const answer = fixtureJson('responses', 'gemini-function-call.json');
    answer.candidates[0].content.parts = [{ functionCall: { name: 'apply_patch', args: { input: PATCH } } }];
    gemini.handler = () => Response.json(answer);
    const body = { model: 'gemini-2.5-flash', input: 'Add hello.txt', tools: [applyPatch] };
    const { data, response } = await client.responses.create(body).withResponse();
    const sent = gemini.requests.at(-1)!.body;
    expect(sent.tools[0].functionDeclarations[0]).toMatchObject({ name: 'apply_patch', description: expect.stringContaining('lark grammar') });
    expect(data.output).toEqual([expect.objectContaining({ type: 'custom_tool_call', name: 'apply_patch', input: PATCH })]);
    expect((await gw.waitForRow(response)).provider).toBe('gemini');
    const count = await gw.fetch('/v1/responses/input_tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(count.status).toBe(200);
    expect((await count.json()).input_tokens).toBeGreaterThan(10);
    expect((await gw.waitForRow(count)).status).toBe(200);
  });

  test('a model that sends its input as bare text, not JSON: the input is that text', async () => {
    const answer = fixtureJson('deepseek', 'custom-tool.json');
    answer.choices[0].message.tool_calls[0].function.arguments = PATCH;
    deepseek.handler = () => Response.json(answer);
    const { data, response } = await client.responses.create({ model: 'deepseek-chat', input: 'Add hello.txt', tools: [applyPatch] }).withResponse();
    expect(data.output[0]).toMatchObject({ type: 'custom_tool_call', input: PATCH });
    expect((await gw.waitForRow(response)).status).toBe(200);
  });

});

describe('chat completions: a custom tool on a bridged model', () => {
  const chatTool = { type: 'custom' as const, custom: { name: 'apply_patch', description: 'Edits files with a patch.', format: { type: 'grammar' as const, grammar: { syntax: 'lark' as const, definition: GRAMMAR } } } };

  test("Claude, JSON: the tool_use comes back as OpenAI's custom tool call; the custom choice names its tool", async () => {
    anthropic.handler = json('custom-tool.json');
    const { data, response } = await client.chat.completions
      .create({ model: CLAUDE, messages: [{ role: 'user', content: 'Add hello.txt' }], tools: [chatTool], tool_choice: { type: 'custom', custom: { name: 'apply_patch' } } })
      .withResponse();
    const sent = anthropic.requests.at(-1)!.body;
    expect(sent.tools).toEqual([{ name: 'apply_patch', description: expect.stringContaining(`lark grammar:\n${GRAMMAR}`), input_schema: INPUT_SCHEMA }]);
    expect(sent.tool_choice).toMatchObject({ type: 'tool', name: 'apply_patch' });
    expect(data.choices[0]!.message.tool_calls).toEqual([{ id: 'toolu_01AbCdEfGhPatch0000000001', type: 'custom', custom: { name: 'apply_patch', input: PATCH } }]);
    expect(schemaErrors('CreateChatCompletionResponse', data)).toEqual([]);
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'chat', status: 200, provider: 'anthropic' });
  });

  test('DeepSeek, stream: the custom call streams as one custom delta; its history goes back as the function call and result', async () => {
    deepseek.handler = replay('deepseek', 'custom-tool.chunks.txt');
    const { data: stream, response: first } = await client.chat.completions
      .create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'Add hello.txt' }], tools: [chatTool], stream: true })
      .withResponse();
    const deltas: any[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      // The vendored spec predates custom calls in chunks (its tool call delta is a function's); the
      // SDK's ChatCompletionChunk has them (`type: 'custom'`, `custom: {name, input}`), checked whole below.
      const calls = chunk.choices[0]?.delta.tool_calls ?? [];
      if (!calls.length) expect(schemaErrors('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
      deltas.push(...calls);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(deltas).toEqual([{ index: 0, id: 'call_0_3f9a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b', type: 'custom', custom: { name: 'apply_patch', input: PATCH } }]);
    expect(finish).toBe('tool_calls');
    expect(await gw.waitForRow(first)).toMatchObject({ status: 200, stream: true, promptTokens: 305 });

    anthropic.handler = json('text.json');
    const id = deltas[0].id;
    const { response } = await client.chat.completions
      .create({
        model: CLAUDE, tools: [chatTool],
        messages: [
          { role: 'user', content: 'Add hello.txt' },
          { role: 'assistant', content: null, tool_calls: [{ id, type: 'custom', custom: { name: 'apply_patch', input: PATCH } }] },
          { role: 'tool', tool_call_id: id, content: 'Done!' },
        ],
      })
      .withResponse();
    const messages = anthropic.requests.at(-1)!.body.messages;
    expect(messages[1].content).toEqual([{ type: 'tool_use', id, name: 'apply_patch', input: { input: PATCH } }]);
    expect(messages[2].content[0]).toMatchObject({ type: 'tool_result', tool_use_id: id });
    expect((await gw.waitForRow(response)).status).toBe(200);
  });

  test('DeepSeek, stream: a custom call then a function call keep their order, the function call as it came', async () => {
    const chunks = fixtureText('deepseek', 'custom-tool.chunks.txt').trim().split('\n');
    const usageChunk = chunks.at(-2)!;
    const fn = (delta: unknown) => usageChunk.replace(/"choices":\[.*\],"usage"/, `"choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":null}],"usage"`).replace(/,"usage":\{.*\}\}$/, '}');
    const mixed = [
      ...chunks.slice(0, -2),
      fn({ tool_calls: [{ index: 1, id: 'call_1_shell', type: 'function', function: { name: 'shell', arguments: '' } }] }),
      fn({ tool_calls: [{ index: 1, function: { arguments: '{"command":"ls"}' } }] }),
      usageChunk, '[DONE]',
    ];
    deepseek.handler = () => sseResponse(mixed);
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'Add hello.txt' }], tools: [chatTool, { type: 'function', function: { name: 'shell', parameters: { type: 'object' } } }], stream: true })
      .withResponse();
    const deltas: any[] = [];
    for await (const chunk of stream) deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
    expect(deltas).toEqual([
      { index: 0, id: 'call_0_3f9a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b', type: 'custom', custom: { name: 'apply_patch', input: PATCH } },
      { index: 1, id: 'call_1_shell', type: 'function', function: { name: 'shell', arguments: '' } },
      { index: 1, function: { arguments: '{"command":"ls"}' } },
    ]);
    expect((await gw.waitForRow(response)).status).toBe(200);
  });

  test('an OpenAI model gets the custom tool and gives its custom call as they are', async () => {
    const answer = {
      id: 'chatcmpl-CustomTool0001', object: 'chat.completion', created: 1757925200, model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, annotations: [], tool_calls: [{ id: 'call_Xy12Ab34Cd56Ef78Gh90Ij12', type: 'custom', custom: { name: 'apply_patch', input: PATCH } }] }, logprobs: null, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 },
    };
    openai.handler = () => Response.json(answer);
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Add hello.txt' }], tools: [chatTool], tool_choice: { type: 'custom', custom: { name: 'apply_patch' } } })
      .withResponse();
    const sent = openai.requests.at(-1)!.body;
    expect(sent.tools).toEqual([chatTool]);
    expect(sent.tool_choice).toEqual({ type: 'custom', custom: { name: 'apply_patch' } });
    expect(data.choices[0]!.message.tool_calls).toEqual(answer.choices[0]!.message.tool_calls as any);
    expect((await gw.waitForRow(response)).provider).toBe('openai');
  });

  test("a malformed custom tool, or a function named like one, is OpenAI's 400 naming the field, before any call; one row each", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['/v1/chat/completions', { model: CLAUDE, messages: [{ role: 'user', content: 'Hi' }], tools: [{ type: 'custom', custom: { description: 'no name' } }] }, 'tools[0].custom.name'],
      ['/v1/chat/completions', { model: 'deepseek-chat', messages: [{ role: 'user', content: 'Hi' }], tools: [{ type: 'custom', custom: { name: 'p', format: { type: 'grammar', grammar: { syntax: 'ebnf', definition: 'x' } } } }] }, 'tools[0].custom.format'],
      ['/v1/chat/completions', { model: 'deepseek-chat', messages: [{ role: 'user', content: 'Hi' }], tools: [chatTool, { type: 'function', function: { name: 'apply_patch' } }] }, 'tools[1].function.name'],
      ['/v1/responses', { model: CLAUDE, input: 'Hi', tools: [{ type: 'custom', name: 'p', format: { type: 'grammar', syntax: 'lark' } }] }, 'tools[0].format'],
    ];
    const calls = anthropic.requests.length + deepseek.requests.length;
    for (const [path, body, param] of cases) {
      const res = await gw.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', param });
      expect((await gw.waitForRow(res)).status).toBe(400);
    }
    expect(anthropic.requests.length + deepseek.requests.length).toBe(calls);
  });
});
