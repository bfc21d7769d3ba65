/**
 * Claude Code's second turn (its recorded first request, the assistant's thinking, text and Bash
 * call, then a failed tool_result and a system reminder with cache_control), sent with the
 * official SDK's beta client as Claude Code sends it (anthropic-beta: interleaved thinking,
 * fine-grained tool streaming, context management; context_management edits; cache_control on a
 * tool), streamed from DeepSeek, OpenAI and Gemini. The SDK must assemble the message, and the
 * row must hold the usage the stream reported.
 */
import { afterAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { foldChatChunks } from './messages-helpers';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const REQUEST = fixtureJson('messages', 'claude-code-request.json');
const BETAS = ['claude-code-20250219', 'interleaved-thinking-2025-05-14', 'fine-grained-tool-streaming-2025-05-14', 'context-management-2025-06-27'];

const deepseek = startFakeUpstream();
const openai = startFakeUpstream();
const gemini = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: { ...providerEnv('deepseek', deepseek.url), ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url) } });
afterAll(() => [deepseek, openai, gemini].forEach((u) => u.close()));

const beta = () =>
  new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0, timeout: 20_000, defaultHeaders: { 'x-app': 'cli', 'user-agent': 'claude-cli/2.0.14 (external, cli)' } }).beta.messages;

const secondTurn = (model: string) => {
  const { stream: _s, ...first } = REQUEST;
  return {
    ...first,
    model,
    betas: BETAS,
    tools: REQUEST.tools.map((t: any, i: number) => (i === REQUEST.tools.length - 1 ? { ...t, cache_control: { type: 'ephemeral' } } : t)),
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }, { type: 'clear_tool_uses_20250919', trigger: { type: 'input_tokens', value: 100000 } }] },
    messages: [
      // Claude Code moves its message breakpoint to the newest turn (Anthropic takes 4 at most).
      ...REQUEST.messages.map((m: any) => ({ ...m, content: m.content.map(({ cache_control: _c, ...b }: any) => b) })),
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Run the test first.', signature: '' },
          { type: 'text', text: 'Let me run it.' },
          { type: 'tool_use', id: 'toolu_01Bash', name: 'Bash', input: { command: 'bun test test/math.test.ts', description: 'Run the failing test' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01Bash', is_error: true, content: [{ type: 'text', text: 'Exit code 1\nexpected 4, received 5' }] },
          { type: 'text', text: '<system-reminder>The todo list is empty.</system-reminder>', cache_control: { type: 'ephemeral' } },
        ],
      },
    ],
  };
};

const cases: { model: string; up: () => FakeUpstream; chunks: () => string[]; blocks: string[] }[] = [
  { model: 'deepseek/deepseek-reasoner', up: () => deepseek, chunks: () => readChunks('messages', 'deepseek-claude-code.chunks.txt'), blocks: ['thinking', 'text', 'tool_use'] },
  { model: 'openai/gpt-5', up: () => openai, chunks: () => readChunks('openai', 'tools.chunks.txt'), blocks: ['tool_use', 'tool_use'] },
  { model: 'gemini/gemini-2.5-pro', up: () => gemini, chunks: () => readChunks('gemini', 'tool-call-gemini3.chunks.txt'), blocks: ['thinking', 'tool_use', 'tool_use'] },
];

for (const c of cases) {
  test(`${c.model}: the SDK assembles the streamed answer; the history translated; the row has the stream's usage`, async () => {
    c.up().handler = () => sseResponse(c.chunks());
    const stream = beta().stream(secondTurn(c.model) as any);
    const final = await stream.finalMessage();
    expect(final.content.map((b): string => b.type)).toEqual(c.blocks);
    expect(final.stop_reason).toBe('tool_use');
    for (const b of final.content) if (b.type === 'tool_use') expect(b.input).toBeObject();

    const sent = JSON.stringify(c.up().last().body);
    expect(sent).not.toContain('cache_control');
    expect(sent).not.toContain('context_management');
    expect(sent).toContain('expected 4, received 5');
    expect(sent).toContain('The todo list is empty.');

    const { response } = await stream.withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe(c.model.split('/')[0]!);
    const u = final.usage;
    expect(await gw.waitForRow(response.headers.get('x-request-id') ?? 'none')).toMatchObject({
      endpoint: 'messages', stream: true, status: 200, modelRequested: c.model,
      promptTokens: u.input_tokens + (u.cache_read_input_tokens ?? 0), cachedTokens: u.cache_read_input_tokens ?? 0, completionTokens: u.output_tokens,
    });
  });
}

test('the failed tool result reaches each provider as an error, and thinking goes back only where the provider takes it', () => {
  const [ds, oa, ge] = [deepseek.last().body, openai.last().body, gemini.last().body];
  const dsAssistant = ds.messages.find((m: any) => m.role === 'assistant');
  expect(dsAssistant).toMatchObject({ content: 'Let me run it.', reasoning_content: 'Run the test first.', tool_calls: [{ id: 'toolu_01Bash' }] });
  expect(ds.messages.find((m: any) => m.role === 'tool')).toEqual({ role: 'tool', tool_call_id: 'toolu_01Bash', content: 'Error: Exit code 1\nexpected 4, received 5' });
  expect(oa.messages.find((m: any) => m.role === 'assistant').reasoning_content).toBeUndefined();
  expect(oa.reasoning_effort).toBe('high');
  const response = ge.contents.at(-1).parts[0];
  expect(response).toEqual({ functionResponse: { name: 'Bash', response: { error: 'Exit code 1\nexpected 4, received 5' } } });
});

/** OpenAI's refusal of a function name past 64 characters (its wire shape), or null. */
function openaiNameCheck(body: any): Response | null {
  const names: [string, string][] = [
    ...(body.tools ?? []).map((t: any, i: number) => [`tools[${i}].function.name`, t.function.name]),
    ...body.messages.flatMap((m: any, i: number) => (m.tool_calls ?? []).map((c: any, j: number) => [`messages[${i}].tool_calls[${j}].function.name`, c.function.name])),
  ];
  const bad = names.find(([, n]) => n.length > 64);
  if (!bad) return null;
  const message = `Invalid '${bad[0]}': string too long. Expected a string with maximum length 64, but got a string with length ${bad[1].length} instead.`;
  return Response.json({ error: { message, type: 'invalid_request_error', param: bad[0], code: 'string_above_max_length' } }, { status: 400 });
}

test('an MCP tool name past 64 characters: shortened for OpenAI in tools, tool_choice and history; the answer calls it by its own name', async () => {
  const mcpName = 'mcp__claude_ai_Atlassian__getConfluencePageDescendantsWithFullMetadataAndHistory';
  expect(mcpName.length).toBeGreaterThan(64);
  const mcp = { name: mcpName, description: 'Confluence page descendants', input_schema: { type: 'object', properties: { pageId: { type: 'string' } }, required: ['pageId'] } };
  const chunk = (delta: any, finish: string | null = null) => JSON.stringify({ id: 'chatcmpl-m', object: 'chat.completion.chunk', created: 1, model: 'gpt-5', choices: [{ index: 0, delta, finish_reason: finish }] });
  openai.handler = (_r, rec) => {
    const refused = openaiNameCheck(rec.body);
    if (refused) return refused;
    const name = rec.body.tools.at(-1).function.name;
    const chunks = [
      chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_Mcp1', type: 'function', function: { name, arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"pageId":"42"}' } }] }),
      chunk({}, 'tool_calls'),
      JSON.stringify({ id: 'chatcmpl-m', object: 'chat.completion.chunk', created: 1, model: 'gpt-5', choices: [], usage: { prompt_tokens: 900, completion_tokens: 20, total_tokens: 920 } }),
      '[DONE]',
    ];
    return rec.body.stream ? sseResponse(chunks) : jsonResponse(foldChatChunks(chunks));
  };
  const body = secondTurn('openai/gpt-5');
  body.tools = [...body.tools, mcp];
  (body.messages[1] as any).content.push({ type: 'tool_use', id: 'toolu_01Mcp0', name: mcpName, input: { pageId: '7' } });
  (body.messages[2] as any).content.push({ type: 'tool_result', tool_use_id: 'toolu_01Mcp0', content: 'no descendants' });
  // A forced tool goes without thinking, as Anthropic requires (Claude Code's turns that force one send none).
  const forced = { ...body, thinking: undefined, tool_choice: { type: 'tool', name: mcpName } };
  const stream = beta().stream(forced as any);
  const final = await stream.finalMessage();
  expect(final.content).toEqual([{ type: 'tool_use', id: 'call_Mcp1', name: mcpName, input: { pageId: '42' } , caller: { type: 'direct' } }] as any);
  const sent = openai.last().body;
  const short = sent.tools.at(-1).function.name;
  expect(short).toHaveLength(64);
  expect(short).toStartWith('mcp__claude_ai_Atlassian__getConfluencePage');
  expect(sent.tool_choice).toEqual({ type: 'function', function: { name: short } });
  expect(sent.messages.find((m: any) => m.role === 'assistant').tool_calls.map((c: any) => c.function.name)).toEqual(['Bash', short]);
  const { response } = await stream.withResponse();
  expect(await gw.waitForRow(response.headers.get('x-request-id') ?? 'none')).toMatchObject({ provider: 'openai', stream: true, status: 200, promptTokens: 900, completionTokens: 20 });

  // The same answer as JSON.
  const json = await beta().create({ ...forced, stream: false } as any);
  expect(json.content).toEqual(final.content);
});
