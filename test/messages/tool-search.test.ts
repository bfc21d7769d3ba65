/**
 * Claude Code with ENABLE_TOOL_SEARCH sends Anthropic's tool search tool beside `defer_loading`
 * tools. A provider other than Anthropic gets every tool whole, so the search tool is left out
 * (and its earlier calls and results, from a turn Anthropic served), instead of a 400 on every
 * request of the session; a group with an Anthropic target keeps its translated fallback.
 * Driven with the official Anthropic SDK against fake OpenAI and Anthropic upstreams.
 */
import { expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useClaudeThenGptRig } from './claude-then-gpt-rig';

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
useClaudeThenGptRig((rig) => ({ openai, anthropic, gw, client } = rig));

const schema = { type: 'object' as const, properties: { title: { type: 'string' } }, required: ['title'] };
const tools: any[] = [
  { type: 'tool_search_tool_regex_20251119', name: 'tool_search_tool_regex' },
  { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } },
  { name: 'mcp__github__create_issue', description: 'Open an issue', input_schema: schema, defer_loading: true },
];

/** A turn Anthropic served: it searched for the tool, then called it. */
const searchedTurn: any = {
  role: 'assistant',
  content: [
    { type: 'server_tool_use', id: 'srvtoolu_01Search00000000000000', name: 'tool_search_tool_regex', input: { query: 'github' } },
    {
      type: 'tool_search_tool_result', tool_use_id: 'srvtoolu_01Search00000000000000',
      content: { type: 'tool_search_tool_search_result', tool_references: [{ type: 'tool_reference', tool_name: 'mcp__github__create_issue' }] },
    },
    { type: 'text', text: 'Opening the issue.' },
    { type: 'tool_use', id: 'toolu_01Issue000000000000000000', name: 'mcp__github__create_issue', input: { title: 'Flaky test' } },
  ],
};

test('the search tool is left out; every tool, the deferred one too, goes to OpenAI whole; one row', async () => {
  const { data, response } = await client.beta.messages
    .create({ model: 'openai/gpt-4o-mini', max_tokens: 50, tools, messages: [{ role: 'user', content: 'File an issue about the flaky test' }], betas: ['advanced-tool-use-2025-11-20'] })
    .withResponse();
  expect(data.content).toEqual([{ type: 'text', text: 'ok', citations: null }]);
  const sent = openai.last().body;
  expect(sent.tools.map((t: any) => t.function.name)).toEqual(['Bash', 'mcp__github__create_issue']);
  expect(JSON.stringify(sent.tools)).not.toContain('defer_loading');
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'openai' });
});

test("a conversation holding Anthropic's earlier search: the search call and result are left out, the rest translated", async () => {
  await client.beta.messages.create({
    model: 'openai/gpt-4o-mini', max_tokens: 50, tools,
    messages: [
      { role: 'user', content: 'File an issue about the flaky test' },
      searchedTurn,
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01Issue000000000000000000', content: 'Issue #7 opened' }] },
    ],
  });
  const sent = openai.last().body.messages;
  expect(sent[1]).toEqual({
    role: 'assistant', content: 'Opening the issue.',
    tool_calls: [{ id: 'toolu_01Issue000000000000000000', type: 'function', function: { name: 'mcp__github__create_issue', arguments: '{"title":"Flaky test"}' } }],
  });
  expect(sent[2]).toMatchObject({ role: 'tool', tool_call_id: 'toolu_01Issue000000000000000000', content: 'Issue #7 opened' });
  // Another server tool's call in the history is a finished step, read as text (server-tool-history.test.ts).
  const web = { ...searchedTurn, content: [{ type: 'server_tool_use', id: 'srvtoolu_01Web', name: 'web_search', input: { query: 'x' } }, { type: 'text', text: 'done' }] };
  await client.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'q' }, web, { role: 'user', content: 'more' }] });
  expect(openai.last().body.messages[1]).toEqual({ role: 'assistant', content: '[web_search {"query":"x"}]\n\ndone' });
});

test('a group with an Anthropic target: Anthropic gets the search tool natively; overloaded, the group falls back to OpenAI', async () => {
  const { data, response } = await client.beta.messages
    .create({ model: 'claude-then-gpt', max_tokens: 50, tools, messages: [{ role: 'user', content: 'File an issue' }] })
    .withResponse();
  expect(data.content).toEqual([{ type: 'text', text: 'ok', citations: null }]);
  expect(anthropic.last().body.tools).toEqual(tools);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'openai' });
});
