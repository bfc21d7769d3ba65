/**
 * Kimi refuses a function name that does not start with a letter (400 "function name is invalid,
 * must start with a letter ..."), which OpenAI takes and MCP servers use (`21st_magic_component_builder`).
 * The gateway renames such names on the way up and gives the client its own back, with the
 * official openai client over real HTTP against a fake Kimi that refuses them as Kimi does.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { jsonResponse, readChunks, fixtureJson, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { moonshotRequest } from '../../src/providers/moonshot/moonshot-adapter';

const KIMI_RULE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const MCP_TOOL = '21st_magic_component_builder';
const NAMES = [MCP_TOOL, '_private_lookup', 'get_weather'];
const tools: OpenAI.ChatCompletionTool[] = NAMES.map((name) => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties: { city: { type: 'string' } } } },
}));

/** Every function name a chat body holds. */
function namesIn(body: any): string[] {
  const names: string[] = (body.tools ?? []).map((t: any) => t.function.name);
  if (body.tool_choice?.function?.name) names.push(body.tool_choice.function.name);
  for (const m of body.messages ?? []) for (const c of m.tool_calls ?? []) names.push(c.function.name);
  return names;
}

/** Kimi's answer: its recorded tool call, made to the first declared function. */
function kimiAnswer(body: any, stream: boolean): Response {
  const bad = namesIn(body).find((n) => !KIMI_RULE.test(n));
  if (bad !== undefined) {
    return jsonResponse({ error: { message: 'function name is invalid, must start with a letter and can contain letters, numbers, underscores, and dashes', type: 'invalid_request_error' } }, 400);
  }
  const name = body.tools[0].function.name;
  if (stream) return sseResponse(readChunks('moonshot', 'tools.chunks.txt').map((l) => l.replaceAll('get_weather', name)));
  return jsonResponse(JSON.parse(JSON.stringify(fixtureJson('moonshot', 'tools.json')).replaceAll('get_weather', name)));
}

let kimi: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  kimi = startFakeUpstream((_req, rec) => kimiAnswer(rec.body, rec.body.stream === true));
  gw = await startGateway({ env: providerEnv('moonshot', `${kimi.url}/v1`) });
  client = gw.openai();
});
afterAll(async () => {
  await gw.close();
  kimi.close();
});

const model = 'moonshot/kimi-k2-0905-preview';
const messages = [{ role: 'user' as const, content: 'Build me a button' }];

describe('function names Kimi refuses', () => {
  test('non-stream: the names go up as Kimi takes them, distinct; the calls come back under the client name', async () => {
    const res = await client.chat.completions.create({ model, messages, tools }).withResponse();
    const sent = namesIn(kimi.last().body);
    for (const n of sent) expect(n).toMatch(KIMI_RULE);
    expect(new Set(sent).size).toBe(NAMES.length);
    expect(sent[2]).toBe('get_weather');
    expect(res.data.choices[0]!.message.tool_calls!.map((c: any) => c.function.name)).toEqual([MCP_TOOL, MCP_TOOL]);
    expect(await gw.waitForRow(res.response)).toMatchObject({ status: 200, provider: 'moonshot', promptTokens: 96, completionTokens: 38 });
  });

  test('stream: the streamed calls carry the client name', async () => {
    const stream = await client.chat.completions.create({ model, messages, tools, stream: true });
    const names: string[] = [];
    for await (const chunk of stream) for (const c of chunk.choices[0]?.delta.tool_calls ?? []) if (c.function?.name) names.push(c.function.name);
    expect(names).toEqual([MCP_TOOL, MCP_TOOL]);
  });

  test('the next turn: tool_choice and the history are renamed as the tools', async () => {
    const history: OpenAI.ChatCompletionMessageParam[] = [
      ...messages,
      { role: 'assistant', content: null, tool_calls: [{ id: 'functions.x:0', type: 'function', function: { name: MCP_TOOL, arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'functions.x:0', content: '{"ok":true}' },
    ];
    const res = await client.chat.completions.create({ model, messages: history, tools, tool_choice: { type: 'function', function: { name: MCP_TOOL } } });
    expect((res.choices[0]!.message.tool_calls![0] as any).function.name).toBe(MCP_TOOL);
    const body = kimi.last().body;
    const declared = body.tools[0].function.name;
    expect(body.tool_choice.function.name).toBe(declared);
    expect(body.messages.find((m: any) => m.role === 'assistant').tool_calls[0].function.name).toBe(declared);
  });
});

test("the client's request is copied where a name changes, never edited (a group's next target gets it as it came)", async () => {
  const client = {
    model: 'kimi-k2-0905-preview',
    tools: structuredClone(tools),
    tool_choice: { type: 'function', function: { name: MCP_TOOL } },
    messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c:0', type: 'function', function: { name: MCP_TOOL, arguments: '{}' } }] }],
  };
  const before = structuredClone(client);
  const sent = await moonshotRequest({ ...client });
  expect(client).toEqual(before);
  for (const n of namesIn(sent)) expect(n).toMatch(KIMI_RULE);
});
