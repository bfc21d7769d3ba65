/**
 * A tool_result with `is_error: true` translated for chat upstreams: the model must see that
 * the call failed. OpenAI-compatible upstreams get the tool message's content prefixed
 * `Error: `; Gemini gets the failure under `error` in functionResponse.response (its docs'
 * convention), while good results keep `{result}`. Driven by the official @anthropic-ai/sdk
 * against fake upstreams; log rows picked by request id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, readChunks, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient, folded, foldChatChunks, weatherTool } from './messages-helpers';

let openai: FakeUpstream;
let gemini: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  openai = startFakeUpstream(() => jsonResponse(foldChatChunks(readChunks('openai', 'text.chunks.txt'))));
  gemini = startFakeUpstream(() => jsonResponse(folded('gemini', 'text.chunks.txt')));
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url) } });
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  openai.close();
  gemini.close();
});

/** One turn with two calls: the first failed (is_error), the second answered. */
const conversation = (model: string, failed: Anthropic.ToolResultBlockParam['content']): Anthropic.MessageCreateParamsNonStreaming => ({
  model,
  max_tokens: 200,
  tools: [weatherTool],
  messages: [
    { role: 'user', content: 'Weather in Paris and Oslo?' },
    {
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_02', name: 'get_weather', input: { city: 'Oslo' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_01', is_error: true, content: failed },
        { type: 'tool_result', tool_use_id: 'toolu_02', is_error: false, content: 'rain, 12 C' },
      ],
    },
  ],
});

describe('tool_result is_error through /v1/messages', () => {
  test('OpenAI: the failed result reads "Error: …"; the good one is unchanged; one row', async () => {
    const { response } = await client.messages.create(conversation('openai/gpt-4o-mini', 'city service unreachable')).withResponse();
    const tools = openai.last().body.messages.filter((m: any) => m.role === 'tool');
    expect(tools).toEqual([
      { role: 'tool', tool_call_id: 'toolu_01', content: 'Error: city service unreachable' },
      { role: 'tool', tool_call_id: 'toolu_02', content: 'rain, 12 C' },
    ]);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'messages', provider: 'openai', status: 200 });
  });

  test('OpenAI: text blocks are joined before the prefix; a result already saying error or empty still reads as one', async () => {
    await client.messages.create(conversation('openai/gpt-4o-mini', [{ type: 'text', text: 'line 1' }, { type: 'text', text: 'line 2' }]));
    expect(openai.last().body.messages.find((m: any) => m.tool_call_id === 'toolu_01').content).toBe('Error: line 1\nline 2');
    await client.messages.create(conversation('openai/gpt-4o-mini', '<tool_use_error>File does not exist.</tool_use_error>'));
    expect(openai.last().body.messages.find((m: any) => m.tool_call_id === 'toolu_01').content).toBe('<tool_use_error>File does not exist.</tool_use_error>');
    await client.messages.create(conversation('openai/gpt-4o-mini', ''));
    expect(openai.last().body.messages.find((m: any) => m.tool_call_id === 'toolu_01').content).toBe('Error: the tool call failed.');
  });

  test('Gemini: the failed call is functionResponse.response.error (text or JSON object), the good one {result}; one row', async () => {
    const { response } = await client.messages.create(conversation('gemini/gemini-2.5-flash', 'city service unreachable')).withResponse();
    const answers = gemini.last().body.contents.at(-1);
    expect(answers.role).toBe('user');
    expect(answers.parts).toEqual([
      { functionResponse: { name: 'get_weather', response: { error: 'city service unreachable' } } },
      { functionResponse: { name: 'get_weather', response: { result: 'rain, 12 C' } } },
    ]);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'messages', provider: 'gemini', status: 200 });

    await client.messages.create(conversation('gemini/gemini-2.5-flash', '{"code":503,"message":"unavailable"}'));
    expect(gemini.last().body.contents.at(-1).parts[0]).toEqual({
      functionResponse: { name: 'get_weather', response: { error: { code: 503, message: 'unavailable' } } },
    });
  });
});
