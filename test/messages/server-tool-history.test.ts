/**
 * A conversation whose earlier turn Claude answered with its server web search (server_tool_use,
 * web_search_tool_result, cited text), continued on another provider (an agent switching to an
 * OpenAI model, which gets no server tool): the finished search reaches the other model as text in
 * that turn, its opaque parts left out; before, every later request of the conversation was a 400.
 */
import { expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureJson, jsonResponse, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { idOf, useAnthropicRig } from './anthropic-rig';

let fake: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
useAnthropicRig((r) => ({ fake, openai, gw, client } = r));

const SEARCH = fixtureJson('anthropic', 'pause-turn.json');
const ASK = { role: 'user' as const, content: 'How much solar was added in 2025?' };

test('a web search Claude ran in an earlier turn reaches OpenAI as text; the turn is served, one row', async () => {
  fake.handler = () => jsonResponse(SEARCH);
  const first = await client.messages.create({
    model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [ASK], tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }],
  });
  expect(first.content.map((b) => b.type)).toEqual(['text', 'server_tool_use', 'web_search_tool_result']);

  const { data, response } = await client.messages
    .create({ model: 'gpt-4o-mini', max_tokens: 1024, messages: [ASK, { role: 'assistant', content: first.content }, { role: 'user', content: 'Summarize what you found.' }] })
    .withResponse();
  expect(data.content[0]).toMatchObject({ type: 'text' });
  const sent = openai.last().body.messages;
  expect(sent[1]).toEqual({
    role: 'assistant',
    content:
      "I'll search for the latest figures.\n\n[web_search {\"query\":\"2025 solar capacity additions\"}]\n\n" +
      '[web_search_tool_result]\nSolar additions in 2025 - https://example.org/solar-2025\n\n',
  });
  expect(JSON.stringify(sent)).not.toContain('encrypted');
  expect((await gw.waitForRow(idOf(response))).status).toBe(200);
});

test('a failed search, a fetch, a code run and a fetched PDF (its title, not its bytes) each read as their outcome', async () => {
  const content = [
    { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } },
    { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: { type: 'web_search_tool_result_error', error_code: 'max_uses_exceeded' } },
    { type: 'server_tool_use', id: 'srvtoolu_2', name: 'web_fetch', input: { url: 'https://example.org/a' } },
    { type: 'web_fetch_tool_result', tool_use_id: 'srvtoolu_2', content: { type: 'web_fetch_result', url: 'https://example.org/a', content: { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Page text' } } } },
    { type: 'server_tool_use', id: 'srvtoolu_3', name: 'bash_code_execution', input: { command: 'echo hi' } },
    { type: 'bash_code_execution_tool_result', tool_use_id: 'srvtoolu_3', content: { type: 'bash_code_execution_result', stdout: 'hi\n', stderr: '', return_code: 0, content: [] } },
    { type: 'server_tool_use', id: 'srvtoolu_4', name: 'web_fetch', input: { url: 'https://example.org/a.pdf' } },
    { type: 'web_fetch_tool_result', tool_use_id: 'srvtoolu_4', content: { type: 'web_fetch_result', url: 'https://example.org/a.pdf', content: { type: 'document', title: 'A report', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' } } } },
    { type: 'text', text: 'Done.' },
  ];
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 100, messages: [ASK, { role: 'assistant', content }, { role: 'user', content: 'Go on.' }] }),
  });
  expect(res.status).toBe(200);
  expect(openai.last().body.messages[1].content).toBe(
    '[web_search {"query":"q"}]\n\n[web_search_tool_result: error max_uses_exceeded]\n\n' +
      '[web_fetch {"url":"https://example.org/a"}]\n\n[web_fetch_tool_result]\nhttps://example.org/a\nPage text\n\n' +
      '[bash_code_execution {"command":"echo hi"}]\n\n[bash_code_execution_tool_result]\nhi\nexit code 0\n\n' +
      '[web_fetch {"url":"https://example.org/a.pdf"}]\n\n[web_fetch_tool_result]\nhttps://example.org/a.pdf\nA report\n\nDone.',
  );
  expect((await gw.waitForRow(idOf(res))).status).toBe(200);
});
