/**
 * An upstream that reports no usage (an OpenAI-compatible server that ignores stream_options): the
 * /v1/messages answer's usage is the gateway's estimate, and the final input_tokens (message_delta's,
 * which the SDK's final message takes, and a JSON answer's) counts the tool definitions, as
 * message_start's approximation and count_tokens do. Before, Claude Code's 17 tools were counted at
 * message_start and gone from the final count, so the context it tracks shrank by all of them.
 */
import { afterAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { foldChatChunks } from './messages-helpers';

const REQUEST = fixtureJson('messages', 'claude-code-request.json');
/** DeepSeek's recorded Claude Code turn without its usage (as a server that reports none sends it). */
const NO_USAGE = readChunks('messages', 'deepseek-claude-code.chunks.txt')
  .map((p) => (p === '[DONE]' ? p : JSON.stringify({ ...JSON.parse(p), usage: undefined })))
  .filter((p) => p === '[DONE]' || JSON.parse(p).choices?.length);
const upstream = startFakeUpstream((_r, rec) => (rec.body.stream ? sseResponse(NO_USAGE) : jsonResponse({ ...foldChatChunks(NO_USAGE), usage: undefined })));
afterAll(() => upstream.close());
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('openai', `${upstream.url}/v1`) });

const params = (tools: boolean) => ({ model: 'gpt-4.1', max_tokens: 4096, system: 'Be brief.', messages: [{ role: 'user' as const, content: 'Run the tests.' }], ...(tools && { tools: REQUEST.tools }) });
/** The tool definitions' JSON at 8 characters a token: well under what any count of them comes to. */
const TOOLS_FLOOR = Math.floor(JSON.stringify(REQUEST.tools).length / 8);

test('stream: the final input_tokens counts the tool definitions, as message_start does', async () => {
  const client = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
  const counts = async (tools: boolean) => {
    const stream = client.messages.stream(params(tools));
    let started = 0;
    stream.on('streamEvent', (e) => {
      if (e.type === 'message_start') started = e.message.usage.input_tokens;
    });
    const final = (await stream.finalMessage()).usage.input_tokens;
    return { started, final };
  };
  const bare = await counts(false);
  const full = await counts(true);
  expect(full.started - bare.started).toBeGreaterThan(TOOLS_FLOOR);
  expect(full.final - bare.final).toBeGreaterThan(TOOLS_FLOOR);
});

test('JSON: input_tokens counts the tool definitions', async () => {
  const client = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
  const bare = (await client.messages.create(params(false))).usage.input_tokens;
  const full = (await client.messages.create(params(true))).usage.input_tokens;
  expect(full - bare).toBeGreaterThan(TOOLS_FLOOR);
});

test("the rows bill what the answers said: the tool definitions counted (providers bill them as prompt), on /v1/messages and chat alike", async () => {
  const client = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
  const { data, response } = await client.messages.create(params(true)).withResponse();
  const row = await gw.waitForRow(response.headers.get('x-request-id')!);
  expect(row).toMatchObject({ estimated: true, promptTokens: data.usage.input_tokens });
  // The same tools on chat, streamed and not: the row's prompt counts them too.
  const openai = gw.openai();
  const tools = (REQUEST.tools as any[]).map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.input_schema } }));
  const bare = await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Run the tests.' }] }).withResponse();
  const full = await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Run the tests.' }], tools }).withResponse();
  const [bareRow, fullRow] = [await gw.waitForRow(bare.response), await gw.waitForRow(full.response)];
  expect(fullRow.promptTokens - bareRow.promptTokens).toBeGreaterThan(TOOLS_FLOOR);
  expect(full.data.usage!.prompt_tokens).toBe(fullRow.promptTokens);
});
