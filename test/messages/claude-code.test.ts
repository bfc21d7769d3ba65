/**
 * A recorded Claude Code request (large system blocks with cache_control, 17 tools with JSON
 * Schema draft-07, thinking, metadata.user_id, context_management, streaming) replayed through
 * the gateway as JSON and as a stream, sent the way Claude Code sends it (x-api-key,
 * anthropic-version 2023-06-01, anthropic-beta, ?beta=true), to DeepSeek through a group named
 * after the Claude family and to Gemini by name.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient, comparable, expectAnthropicOrder, foldChatChunks, foldGeminiChunks, parseSse } from './messages-helpers';

const REQUEST = fixtureJson('messages', 'claude-code-request.json');
const DEEPSEEK = readChunks('messages', 'deepseek-claude-code.chunks.txt');
const GEMINI = readChunks('gemini', 'tool-call-gemini3.chunks.txt');

/**
 * OpenAI's shape of two parallel calls whose argument pieces interleave (as some
 * OpenAI-compatible servers send them), after an empty text delta, each call's arguments in
 * small pieces.
 */
const PARALLEL = (() => {
  const c = (delta: any, finish: string | null = null) =>
    JSON.stringify({ id: 'chatcmpl-p', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] });
  const call = (index: number, piece: string, head?: { id: string; name: string }) =>
    c({ tool_calls: [{ index, ...(head ? { id: head.id, type: 'function' } : {}), function: { ...(head ? { name: head.name } : {}), arguments: piece } }] });
  const read = ['{"file_', 'path":', '"/repo/src/', 'app.ts"', '}'];
  const grep = ['{"pat', 'tern":"TO', 'DO","path":"', 'src"}'];
  return [
    c({ role: 'assistant', content: '' }),
    call(0, '', { id: 'call_read', name: 'Read' }),
    call(1, '', { id: 'call_grep', name: 'Grep' }),
    ...read.flatMap((r, i) => [call(0, r), ...(grep[i] ? [call(1, grep[i]!)] : [])]),
    c({}, 'tool_calls'),
    JSON.stringify({ id: 'chatcmpl-p', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 900, completion_tokens: 40, total_tokens: 940 } }),
    '[DONE]',
  ];
})();

let deepseek: FakeUpstream;
let gemini: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  deepseek = startFakeUpstream((_r, rec) => (rec.body.stream ? sseResponse(DEEPSEEK) : jsonResponse(foldChatChunks(DEEPSEEK))));
  gemini = startFakeUpstream((_r, rec) => (rec.path.includes(':stream') ? sseResponse(GEMINI) : jsonResponse(foldGeminiChunks(GEMINI))));
  openai = startFakeUpstream((_r, rec) => (rec.body.stream ? sseResponse(PARALLEL) : jsonResponse(foldChatChunks(PARALLEL))));
  gw = await startGateway({ env: { ...providerEnv('deepseek', `${deepseek.url}/v1`), ...providerEnv('gemini', gemini.url), ...providerEnv('openai', `${openai.url}/v1`) } });
  gw.ctx.db.insert(modelGroups).values({ name: 'claude-sonnet', strategy: 'heuristic', targets: ['deepseek/deepseek-reasoner'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  deepseek.close();
  gemini.close();
  openai.close();
});

const claudeCode = (body: unknown) =>
  fetch(`${gw.url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': gw.clientKey,
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27',
      'user-agent': 'claude-cli/2.0.14 (external, cli)',
    },
    body: JSON.stringify(body),
  });

test('JSON: the whole request translates; the answer carries thinking, text and the Bash tool call', async () => {
  const res = await claudeCode({ ...REQUEST, stream: false });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-gophergate-route')).toBe('claude-sonnet>deepseek-reasoner');
  const m = (await res.json()) as any;
  expect(m.content.map((b: any) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
  expect(m.content[2]).toEqual({
    type: 'tool_use',
    id: 'call_0_3c8e1f2a-7b6d-4e5f-a1b2-c3d4e5f6a7b8',
    name: 'Bash',
    input: { command: 'bun test test/math.test.ts', description: 'Run the failing test' },
    caller: { type: 'direct' },
  });
  expect(m.stop_reason).toBe('tool_use');
  expect(m.usage).toEqual({ input_tokens: 262, cache_creation_input_tokens: 0, cache_read_input_tokens: 5888, output_tokens: 71, output_tokens_details: { thinking_tokens: 15 } });

  const sent = deepseek.last().body;
  expect(sent.model).toBe('deepseek-reasoner');
  expect(sent.tools).toHaveLength(17);
  expect(sent.tools.map((t: any) => t.function.name)).toEqual(REQUEST.tools.map((t: any) => t.name));
  const { $schema, ...schema } = REQUEST.tools[1].input_schema;
  expect($schema).toBe('http://json-schema.org/draft-07/schema#');
  // The dialect marker is left out; the schema itself goes up unchanged.
  expect(sent.tools[1].function.parameters).toEqual(schema);
  expect(sent.messages[0].role).toBe('system');
  expect(sent.messages[0].content).toStartWith("You are Claude Code, Anthropic's official CLI for Claude.\n\nYou are an interactive CLI tool");
  expect(sent.messages[1].content.map((p: any) => p.text)).toEqual(REQUEST.messages[0].content.map((b: any) => b.text));
  expect(sent.max_tokens).toBe(32000);
  expect(sent.temperature).toBe(1);
  expect(sent.user).toMatch(/^[0-9a-f]{64}$/);
  // Anthropic-only fields never reach another provider.
  expect(JSON.stringify(sent)).not.toContain('cache_control');
  for (const k of ['context_management', 'thinking', 'metadata', 'system']) expect(sent[k]).toBeUndefined();
  const row = gw.logs.find((l) => l.requestId === res.headers.get('x-request-id'));
  expect(row).toMatchObject({ endpoint: 'messages', modelRequested: 'claude-sonnet-4-5-20250929', provider: 'deepseek', promptTokens: 6150, cachedTokens: 5888 });
});

test('stream: exact event order, and the SDK assembles the same message as the JSON answer', async () => {
  const whole = (await (await claudeCode({ ...REQUEST, stream: false })).json()) as any;
  const res = await claudeCode(REQUEST);
  expect(res.status).toBe(200);
  const events = parseSse(await res.text());
  expectAnthropicOrder(events);
  expect(events.map((e) => (e.type === 'content_block_delta' ? e.delta.type : e.type === 'content_block_start' ? `start:${e.content_block.type}` : e.type))).toEqual([
    'message_start',
    'start:thinking', 'ping', 'thinking_delta', 'thinking_delta', 'signature_delta', 'content_block_stop',
    'start:text', 'text_delta', 'text_delta', 'content_block_stop',
    'start:tool_use', 'input_json_delta', 'input_json_delta', 'content_block_stop',
    'message_delta', 'message_stop',
  ]);

  const { stream: _s, ...params } = REQUEST;
  const final = await anthropicClient(gw).messages.stream(params).finalMessage();
  expect(comparable(final)).toEqual(comparable(whole));
});

test('the same request to Gemini 3: tools as parametersJsonSchema, thinking as a thinking level', async () => {
  const res = await claudeCode({ ...REQUEST, model: 'gemini/gemini-3-pro-preview' });
  expect(res.status).toBe(200);
  const events = parseSse(await res.text());
  expectAnthropicOrder(events);
  const sent = gemini.last().body;
  expect(sent.tools[0].functionDeclarations).toHaveLength(17);
  const { $schema: _d, ...readSchema } = REQUEST.tools[5].input_schema;
  expect(sent.tools[0].functionDeclarations[5]).toEqual({ name: 'Read', description: REQUEST.tools[5].description, parametersJsonSchema: readSchema });
  expect(sent.generationConfig).toMatchObject({ maxOutputTokens: 32000, thinkingConfig: { thinkingLevel: 'high', includeThoughts: true } });
  expect(events.filter((e) => e.type === 'content_block_start').map((e) => e.content_block.type)).toEqual(['thinking', 'tool_use', 'tool_use']);
});

test('to OpenAI with 80 tools: parallel calls with interleaved argument pieces arrive as whole blocks, one at a time', async () => {
  const mcp = Array.from({ length: 80 - REQUEST.tools.length }, (_, i) => ({
    name: `mcp__files__tool_${i}`, description: `MCP tool ${i}`, input_schema: { type: 'object', properties: { q: { type: 'string' } } },
  }));
  const body = { ...REQUEST, model: 'openai/gpt-4o-mini', tools: [...REQUEST.tools, ...mcp] };
  const res = await claudeCode(body);
  expect(res.status).toBe(200);
  const events = parseSse(await res.text());
  expectAnthropicOrder(events);
  expect(openai.last().body.tools).toHaveLength(80);
  expect(openai.last().body.tools[79].function.name).toBe('mcp__files__tool_62');
  // No empty text block for the empty text delta.
  expect(events.filter((e) => e.type === 'content_block_start').map((e) => e.content_block.type)).toEqual(['tool_use', 'tool_use']);
  const row = await gw.waitForRow(res);
  expect(row).toMatchObject({ endpoint: 'messages', provider: 'openai', status: 200, stream: true });

  const { stream: _s, ...params } = body;
  const stream = anthropicClient(gw).messages.stream(params);
  const blocks: string[] = [];
  stream.on('contentBlock', (b) => blocks.push(b.type));
  const final = await stream.finalMessage();
  expect(final.content).toEqual([
    { type: 'tool_use', id: 'call_read', name: 'Read', input: { file_path: '/repo/src/app.ts' } , caller: { type: 'direct' } },
    { type: 'tool_use', id: 'call_grep', name: 'Grep', input: { pattern: 'TODO', path: 'src' } , caller: { type: 'direct' } },
  ] as any);
  expect(blocks).toEqual(['tool_use', 'tool_use']);
  expect(final.stop_reason).toBe('tool_use');
  const whole = (await (await claudeCode({ ...body, stream: false })).json()) as any;
  expect(comparable(final)).toEqual(comparable(whole));
});

test('to Gemini with an MCP tool whose schema uses $defs: the references arrive inlined (Gemini refuses $ref with siblings)', async () => {
  const mcp = {
    name: 'mcp__snowflake__create_object',
    description: 'Create a Snowflake object',
    input_schema: {
      type: 'object',
      $defs: { Target: { type: 'object', properties: { name: { type: 'string' }, kind: { type: 'string', enum: ['table', 'view'] } }, required: ['name'] } },
      properties: {
        target_object: { anyOf: [{ $ref: '#/$defs/Target' }, { type: 'null' }], default: null },
        replace: { $ref: '#/$defs/Target', title: 'Replace' },
      },
      additionalProperties: false,
    },
  };
  const res = await claudeCode({ ...REQUEST, model: 'gemini/gemini-3-pro-preview', tools: [...REQUEST.tools, mcp] });
  expect(res.status).toBe(200);
  await res.text();
  const sent = gemini.last().body.tools[0].functionDeclarations.at(-1);
  const target = mcp.input_schema.$defs.Target;
  expect(sent).toEqual({
    name: mcp.name,
    description: mcp.description,
    parametersJsonSchema: {
      type: 'object',
      properties: { target_object: { anyOf: [target, { type: 'null' }], default: null }, replace: { ...target, title: 'Replace' } },
      additionalProperties: false,
    },
  });
});

test('count_tokens with the whole request (thinking budget, no max_tokens) to DeepSeek and Gemini: an estimate, one row each', async () => {
  const { stream: _s, max_tokens: _m, temperature: _t, metadata: _u, ...counted } = REQUEST;
  expect(counted.thinking).toEqual({ budget_tokens: 31999, type: 'enabled' });
  for (const model of ['claude-sonnet', 'gemini/gemini-2.5-pro']) {
    const calls = deepseek.requests.length + gemini.requests.length;
    const res = await fetch(`${gw.url}/v1/messages/count_tokens?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14' },
      body: JSON.stringify({ ...counted, model }),
    });
    expect([model, res.status]).toEqual([model, 200]);
    const { input_tokens } = (await res.json()) as { input_tokens: number };
    expect(input_tokens).toBeGreaterThan(4000);
    expect(deepseek.requests.length + gemini.requests.length).toBe(calls);
    expect(await gw.waitForRow(res)).toMatchObject({ endpoint: 'count_tokens', modelRequested: model, status: 200, costUsd: 0 });
  }
});
