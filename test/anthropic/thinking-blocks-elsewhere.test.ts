/**
 * A conversation begun with Claude moving to another provider (a model switched mid-way, a
 * group's fallback, a Responses follow-up on an OpenAI model): Anthropic's signed
 * `thinking_blocks` stay with Anthropic. The fake OpenAI and DeepSeek refuse an unknown message
 * field as OpenAI does, so a block that leaked would fail the request, not only the body check.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { fixtureText, readChunks, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { json, queue } from './fake-anthropic';

const THOUGHT = 'The user wants the weather in Paris. I should call get_weather.';
const SIGNATURE = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds7J3yjlj2ZH46mbQ3wsN/xzYv1ZKflJ8jAWU/PCyy2mbRAZmVJmWFY4zKKGW6yoqMHQ8';
const CALL_ID = 'toolu_01T1x1fJ34qAmk2tNTrN7Up6';
const chatTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const responsesTool = { type: 'function' as const, name: 'get_weather', description: 'Weather for a city', strict: false, parameters: chatTool.function.parameters };

/** The assistant turn a LiteLLM-style client sends back after a Claude answer: its text, calls, reasoning and signed blocks. */
const claudeTurn = {
  role: 'assistant',
  content: 'Let me check the weather.',
  reasoning_content: THOUGHT,
  thinking_blocks: [{ type: 'thinking', thinking: THOUGHT, signature: SIGNATURE }],
  tool_calls: [{ id: CALL_ID, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } }],
};
const { thinking_blocks: _blocks, ...claudeTurnElsewhere } = claudeTurn;
const conversation = [{ role: 'user', content: 'Weather in Paris?' }, claudeTurn, { role: 'tool', tool_call_id: CALL_ID, content: '18 °C, sunny' }] as OpenAI.ChatCompletionMessageParam[];

/** OpenAI's answer to a message field it does not know, else `answer`. */
const strictAboutFields = (answer: FakeHandler): FakeHandler => (req, rec, fake) => {
  const i = (rec.body?.messages ?? []).findIndex((m: any) => m && 'thinking_blocks' in m);
  if (i < 0) return answer(req, rec, fake);
  const message = `Additional properties are not allowed ('thinking_blocks' was unexpected) - 'messages.${i}'`;
  return Response.json({ error: { message, type: 'invalid_request_error', param: null, code: null } }, { status: 400 });
};
const chatAnswer = (provider: string): FakeHandler => (_req, rec) =>
  rec.body?.stream ? sseResponse(readChunks(provider, 'text.chunks.txt')) : new Response(fixtureText(provider, 'chat.json'), { headers: { 'content-type': 'application/json' } });

let anthropic: FakeUpstream;
let openai: FakeUpstream;
let deepseek: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  anthropic = startFakeUpstream();
  openai = startFakeUpstream(strictAboutFields(chatAnswer('openai')));
  deepseek = startFakeUpstream(strictAboutFields(chatAnswer('deepseek')));
  gw = await startGateway({
    env: {
      ANTHROPIC_API_KEY: 'sk-ant-test-elsewhere-0123', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url,
      ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('deepseek', deepseek.url),
    },
  });
  // In that order (no heuristic rules): Claude first, DeepSeek when it fails.
  gw.ctx.db.insert(modelGroups).values({ name: 'claude-then-deepseek', strategy: 'heuristic', targets: ['claude-sonnet-4-5', 'deepseek/deepseek-chat'], settings: { rules: [] }, updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  for (const f of [anthropic, openai, deepseek]) f?.close();
});
// The fallback test fails the anthropic target on purpose: each test starts with closed circuits.
afterEach(() => (gw.ctx.breakers as unknown as { reset(): void }).reset());

describe('thinking_blocks on a chat request', () => {
  test('to OpenAI (JSON) and DeepSeek (stream): the assistant message goes without them, the rest intact; one row each', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'openai/gpt-4o', messages: conversation, tools: [chatTool] }).withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello! How can I help you today?');
    const sent = openai.last().body;
    expect(sent.messages).toEqual([conversation[0], claudeTurnElsewhere, conversation[2]]);
    expect((await gw.waitForRow(response)).status).toBe(200);

    const { data: stream, response: streamed } = await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: conversation, tools: [chatTool], stream: true }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).not.toBe('');
    // (DeepSeek also gets its language hint as a system message first: deepseek-adapter.ts.)
    expect(deepseek.last().body.messages.slice(-3)).toEqual([conversation[0], claudeTurnElsewhere, conversation[2]]);
    expect(await gw.waitForRow(streamed)).toMatchObject({ status: 200, provider: 'deepseek' });
    // The client's message is the client's: the gateway copied it, it did not edit it.
    expect((conversation[1] as any).thinking_blocks).toHaveLength(1);
  });

  test('to Anthropic: the blocks still go as signed thinking blocks, in front of the tool_use', async () => {
    anthropic.handler = queue(json('after-tool.json'));
    const { response } = await client.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: conversation, tools: [chatTool], reasoning_effort: 'low' }).withResponse();
    expect(anthropic.last().body.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: THOUGHT, signature: SIGNATURE },
        { type: 'text', text: 'Let me check the weather.' },
        { type: 'tool_use', id: CALL_ID, name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
      ],
    });
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'anthropic' });
  });
});

describe("a Claude turn's encrypted reasoning on /v1/responses", () => {
  test('followed up on an OpenAI model (previous_response_id, through the bridge): OpenAI gets no thinking_blocks', async () => {
    anthropic.handler = queue(json('thinking-tool.json'));
    const first = await client.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Weather in Paris?', tools: [responsesTool], reasoning: { effort: 'low' } });
    expect((first.output[0] as any).encrypted_content).toStartWith('gg-thinking-v1:');
    const call = first.output.find((o) => o.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;

    const { data, response } = await client.responses
      .create({ model: 'openai/gpt-4o', previous_response_id: first.id, tools: [responsesTool], input: [{ type: 'function_call_output', call_id: call.call_id, output: '18 °C, sunny' }] })
      .withResponse();
    expect(data.status).toBe('completed');
    const sent = openai.last();
    expect(sent.path).toBe('/v1/chat/completions');
    const turn = sent.body.messages.find((m: any) => m.role === 'assistant');
    expect(turn).not.toHaveProperty('thinking_blocks');
    expect(turn.tool_calls).toEqual([expect.objectContaining({ id: call.call_id, function: expect.objectContaining({ name: 'get_weather' }) })]);
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'openai' });
  });

  test('given back as input items to a group whose Claude target is overloaded: DeepSeek gets no thinking_blocks', async () => {
    anthropic.handler = queue(json('thinking-tool.json'), json('error-529.json', 529));
    const first = await client.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Weather in Paris?', tools: [responsesTool], reasoning: { effort: 'low' }, store: false });
    const reasoning = first.output[0] as OpenAI.Responses.ResponseReasoningItem;
    expect(reasoning.encrypted_content).toStartWith('gg-thinking-v1:');
    const call = first.output.find((o) => o.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;

    const { data, response } = await client.responses
      .create({
        model: 'claude-then-deepseek', tools: [responsesTool], store: false,
        input: [{ role: 'user', content: 'Weather in Paris?' }, ...first.output, { type: 'function_call_output', call_id: call.call_id, output: '18 °C, sunny' }] as OpenAI.Responses.ResponseInput,
      })
      .withResponse();
    expect(data.status).toBe('completed');
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');
    // Anthropic was asked first, with the signed blocks; DeepSeek then got the turn without them.
    expect(anthropic.last().body.messages[1].content[0]).toEqual({ type: 'thinking', thinking: THOUGHT, signature: SIGNATURE });
    const turn = deepseek.last().body.messages.find((m: any) => m.role === 'assistant');
    expect(turn).not.toHaveProperty('thinking_blocks');
    expect(turn).toMatchObject({ reasoning_content: THOUGHT, tool_calls: [expect.objectContaining({ id: call.call_id })] });
    const row = await gw.waitForRow(response);
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['anthropic', 502], ['deepseek', 200]]);
  });
});
