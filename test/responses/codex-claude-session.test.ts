/**
 * A Codex CLI session on Claude through the Responses bridge, replayed as Codex sends it
 * (codex-rs: its request body, headers and history replay; codex-wire.ts): `store: false`, the
 * whole conversation re-sent each turn, a developer message, `reasoning` with a summary and
 * `include: ["reasoning.encrypted_content"]`, its freeform `apply_patch` beside function tools,
 * then a compaction through POST /v1/responses/compact with the body Codex sends there (tools,
 * reasoning and text beside model, input and instructions), and a turn on the compacted history.
 * Every stream is one Codex reads whole (each finished item, the completed response and its
 * usage); the fake Anthropic refuses what the real one does with thinking on (an unsigned or
 * missing thinking block before tool use); one log row per request.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicSse, json, strictAboutThinking } from '../anthropic/fake-anthropic';
import { codexItemProblem, codexResent, expectCodexReads, sseEvents } from './codex-wire';

const MODEL = 'anthropic/claude-sonnet-4-5';
const PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+print("hello")\n*** End Patch';
const anthropic = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => (gw = g), { env: providerEnv('anthropic', anthropic.url) });
afterAll(() => anthropic.close());
beforeEach(() => (anthropic.requests.length = 0));

const tools = [
  { type: 'function', name: 'shell', description: 'Runs a shell command and returns its output.', strict: false, parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } }, workdir: { type: 'string' } }, required: ['command'], additionalProperties: false } },
  { type: 'custom', name: 'apply_patch', description: 'Use the `apply_patch` tool to edit files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF' } },
  // An MCP server's tool, which Codex offers as a function named by the server.
  { type: 'function', name: 'get_weather', description: 'Weather of a city (MCP).', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'], additionalProperties: false } },
];
const message = (role: string, text: string) => ({ type: 'message', role, content: [{ type: role === 'assistant' ? 'output_text' : 'input_text', text }] });
const CODEX_HEADERS = { 'content-type': 'application/json', accept: 'text/event-stream', 'OpenAI-Beta': 'responses=experimental', originator: 'codex_cli_rs', session_id: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', conversation_id: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' };
const settings = { reasoning: { effort: 'medium', summary: 'auto' }, text: { verbosity: 'medium' } };

async function codexTurn(input: unknown[]) {
  const body = { model: MODEL, instructions: 'You are Codex, a coding agent.', input, tools, tool_choice: 'auto', parallel_tool_calls: false, ...settings, store: false, stream: true, include: ['reasoning.encrypted_content'], prompt_cache_key: CODEX_HEADERS.session_id };
  const res = await gw.fetch('/v1/responses', { method: 'POST', headers: CODEX_HEADERS, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  const done = expectCodexReads(sseEvents(await res.text()));
  expect((await gw.waitForRow(res)).status).toBe(200);
  return done;
}

describe('Codex CLI on Claude, bridged', () => {
  test('a tool loop with thinking and apply_patch, a compaction, and a turn after it: every answer read whole by Codex', async () => {
    const history: any[] = [message('developer', '<permissions instructions>'), message('user', '<environment_context>cwd: /repo</environment_context>'), message('user', 'Check the weather in Paris, then add hello.txt.')];

    // Turn 1: signed thinking, text and a function call; given back, its thinking goes up signed.
    anthropic.handler = strictAboutThinking(() => anthropicSse('thinking-tool.sse'));
    const first = await codexTurn(history);
    expect(first.map((i) => i.type)).toEqual(['reasoning', 'message', 'function_call']);
    history.push(...first.map(codexResent), { type: 'function_call_output', call_id: first[2].call_id, output: '{"temp": 18}' });

    // Turn 2: the apply_patch call.
    anthropic.handler = strictAboutThinking(() => anthropicSse('custom-tool.sse'));
    const second = await codexTurn(history);
    const sent = anthropic.requests.at(-1)!.body;
    expect(sent.system).toEqual([{ type: 'text', text: 'You are Codex, a coding agent.' }, { type: 'text', text: '<permissions instructions>' }]);
    expect(sent.messages[1].content[0]).toMatchObject({ type: 'thinking', signature: expect.stringMatching(/^EqQB/) });
    expect(sent.messages[2].content).toEqual([{ type: 'tool_result', tool_use_id: first[2].call_id, content: [{ type: 'text', text: '{"temp": 18}' }] }]);
    const patch = second.find((i) => i.type === 'custom_tool_call');
    expect(patch).toMatchObject({ name: 'apply_patch', input: PATCH });
    history.push(...second.map(codexResent), { type: 'custom_tool_call_output', call_id: patch.call_id, output: 'Success. Updated the following files:\nA hello.txt' });

    // Turn 3: the patch and its result go up as Claude's tool_use and tool_result.
    anthropic.handler = strictAboutThinking(() => anthropicSse('text.sse'));
    const third = await codexTurn(history);
    const messages = anthropic.requests.at(-1)!.body.messages;
    expect(messages.at(-2).content.at(-1)).toEqual({ type: 'tool_use', id: patch.call_id, name: 'apply_patch', input: { input: PATCH } });
    expect(messages.at(-1).content).toEqual([{ type: 'tool_result', tool_use_id: patch.call_id, content: [{ type: 'text', text: 'Success. Updated the following files:\nA hello.txt' }] }]);
    history.push(...third.map(codexResent));

    // The compaction, with the body Codex sends: its output is a list of items Codex reads.
    anthropic.handler = json('text.json');
    const res = await gw.fetch('/v1/responses/compact', {
      method: 'POST', headers: { ...CODEX_HEADERS, accept: 'application/json' },
      body: JSON.stringify({ model: MODEL, input: history, instructions: 'You are Codex, a coding agent.', tools, parallel_tool_calls: false, ...settings }),
    });
    expect(res.status).toBe(200);
    const compacted = await res.json();
    expect(compacted.output.map(codexItemProblem)).toEqual(compacted.output.map(() => null));
    expect(compacted.output.map((i: any) => i.type)).toEqual(['message', 'message', 'compaction']);
    expect(compacted.usage).toMatchObject({ input_tokens: 21, output_tokens: 12, total_tokens: 33 });
    expect(anthropic.requests.at(-1)!.body.tool_choice).toEqual({ type: 'none' });
    expect((await gw.waitForRow(res)).status).toBe(200);

    // Turn 4 on the compacted history (Codex puts its developer message back first): the summary is a user turn.
    anthropic.handler = strictAboutThinking(() => anthropicSse('text.sse'));
    await codexTurn([message('developer', '<permissions instructions>'), ...compacted.output.map(codexResent), message('user', 'Now run the tests.')]);
    const after = anthropic.requests.at(-1)!.body.messages;
    expect(after).toHaveLength(1);
    expect(after[0].content.map((p: any) => p.text)).toEqual(['<environment_context>cwd: /repo</environment_context>', 'Check the weather in Paris, then add hello.txt.', expect.stringContaining('2 + 2 = 4.'), 'Now run the tests.']);
  });
});
