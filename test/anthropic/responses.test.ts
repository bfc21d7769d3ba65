/** /v1/responses with Anthropic models: the chat bridge, thinking signatures kept across turns. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { EVENT_SCHEMAS, schemaErrors } from '../responses/openai-schema';
import { PNG_BASE64 } from '../messages/messages-helpers';
import { anthropicJson, json, queue, sse, strictAboutThinking } from './fake-anthropic';

const MODEL = 'anthropic/claude-sonnet-4-5';
const THOUGHT = 'The user wants the weather in Paris. I should call get_weather.';
const SIGNATURE = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds7J3yjlj2ZH46mbQ3wsN/xzYv1ZKflJ8jAWU/PCyy2mbRAZmVJmWFY4zKKGW6yoqMHQ8';
const weatherTool = {
  type: 'function' as const, name: 'get_weather', description: 'Weather for a city', strict: false,
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
/** The assistant turn Anthropic must get back, thinking first. */
const assistantTurn = {
  role: 'assistant',
  content: [
    { type: 'thinking', thinking: THOUGHT, signature: SIGNATURE },
    { type: 'text', text: 'Let me check the weather.' },
    { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
  ],
};

let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ANTHROPIC_API_KEY: 'sk-ant-test-responses-0123', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url } });
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

function expectValidEvents(events: any[]) {
  events.forEach((e, i) => {
    expect(e.sequence_number).toBe(i);
    expect(schemaErrors(EVENT_SCHEMAS[e.type]!, e)).toEqual([]);
  });
}

describe('anthropic through /v1/responses', () => {
  test('non-stream: instructions become system, max_output_tokens max_tokens; a valid Response back', async () => {
    fake.handler = queue(json('text.json'));
    const { data: res, response } = await client.responses
      .create({ model: MODEL, instructions: 'You are terse.', input: 'What is 2 + 2?', max_output_tokens: 300 }, { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } })
      .withResponse();
    const sent = fake.last();
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['anthropic-beta']).toBe('context-1m-2025-08-07');
    expect(sent.body).toMatchObject({
      model: 'claude-sonnet-4-5', max_tokens: 300, system: [{ type: 'text', text: 'You are terse.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 2 + 2?' }] }],
    });
    expect(schemaErrors('Response', res)).toEqual([]);
    expect(res.status).toBe('completed');
    expect(res.output_text).toBe('2 + 2 = 4.');
    expect(res.usage).toMatchObject({ input_tokens: 21, output_tokens: 12, total_tokens: 33 });
    const rows = await gw.waitForEndpointLogs('responses', 1);
    expect(rows.find((r) => r.requestId === response.headers.get('x-request-id'))).toMatchObject({ provider: 'anthropic', promptTokens: 21, completionTokens: 12, status: 200 });
  });

  test('stream: the Responses event sequence, valid against OpenAI\'s schemas', async () => {
    fake.handler = queue(sse('text.sse'));
    const stream = await client.responses.create({ model: MODEL, input: 'A story', stream: true });
    const events: any[] = [];
    for await (const e of stream) events.push(e);
    expectValidEvents(events);
    expect(events.at(-1).type).toBe('response.completed');
    expect(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('')).toBe('Once upon a time.');
    expect(events.at(-1).response.usage).toMatchObject({ input_tokens: 21, output_tokens: 9 });
  });

  test('reasoning.effort with a forced tool_choice: sent without thinking, a function_call back', async () => {
    fake.handler = strictAboutThinking(() => Response.json({
      ...anthropicJson('thinking-tool.json'),
      content: [{ type: 'tool_use', id: 'toolu_01Forced0000000000000000', name: 'get_weather', input: { city: 'Paris' } }],
    }));
    const res = await client.responses.create({
      model: MODEL, input: 'Weather in Paris?', tools: [weatherTool], tool_choice: { type: 'function', name: 'get_weather' }, reasoning: { effort: 'medium' },
    });
    expect(fake.last().body.thinking).toBeUndefined();
    expect(fake.last().body.tool_choice).toEqual({ type: 'tool', name: 'get_weather' });
    expect(res.status).toBe('completed');
    expect(res.output).toEqual([expect.objectContaining({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' })]);
  });

  test('thinking + tool over two turns with previous_response_id: the signed thinking goes back', async () => {
    fake.handler = queue(json('thinking-tool.json'), json('after-tool.json'));
    const first = await client.responses.create({ model: MODEL, input: 'Weather in Paris?', tools: [weatherTool], reasoning: { effort: 'low' } });
    expect(fake.last().body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(schemaErrors('Response', first)).toEqual([]);
    expect(first.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    const reasoning = first.output[0] as any;
    expect(reasoning.content).toEqual([{ type: 'reasoning_text', text: THOUGHT }]);
    expect(reasoning.encrypted_content).toStartWith('gg-thinking-v1:');
    const call = first.output[2] as OpenAI.Responses.ResponseFunctionToolCall;

    const second = await client.responses.create({
      model: MODEL, previous_response_id: first.id, tools: [weatherTool], reasoning: { effort: 'low' },
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '18 °C, sunny' }],
    });
    const sent = fake.last().body;
    expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(sent.messages[1]).toEqual(assistantTurn);
    expect(sent.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.call_id, content: [{ type: 'text', text: '18 °C, sunny' }] }] });
    expect(second.output_text).toBe('It is 18 °C and sunny in Paris.');
  });

  test('stream, then the output items given back as input (no store): the signature survives too', async () => {
    fake.handler = queue(sse('thinking-tool.sse'), json('after-tool.json'));
    const stream = await client.responses.create({ model: MODEL, input: 'Weather in Paris?', tools: [weatherTool], reasoning: { effort: 'low' }, stream: true, store: false });
    const events: any[] = [];
    for await (const e of stream) events.push(e);
    expectValidEvents(events);
    const output = events.at(-1).response.output;
    expect(output.map((o: any) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(output[0].encrypted_content).toStartWith('gg-thinking-v1:');
    const done = events.find((e) => e.type === 'response.output_item.done' && e.item.type === 'reasoning');
    expect(done.item.encrypted_content).toBe(output[0].encrypted_content);

    await client.responses.create({
      model: MODEL, tools: [weatherTool], reasoning: { effort: 'low' }, store: false,
      input: [{ role: 'user', content: 'Weather in Paris?' }, ...output, { type: 'function_call_output', call_id: output[2].call_id, output: '18 °C, sunny' }],
    });
    const sent = fake.last().body;
    expect(sent.messages[1]).toEqual(assistantTurn);
    expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });
  test('a function_call_output holding an image: Anthropic gets the image in the turn of the tool result, not dropped', async () => {
    fake.handler = queue(json('text.json'));
    const png = `data:image/png;base64,${PNG_BASE64}`;
    await client.responses.create({
      model: MODEL, max_output_tokens: 300, tools: [weatherTool],
      input: [
        { role: 'user', content: 'Show me the weather map of Paris.' },
        { type: 'function_call', call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', output: [{ type: 'input_text', text: 'Map attached.' }, { type: 'input_image', image_url: png, detail: 'auto' }] },
      ],
    });
    const turn = (fake.last().body.messages as any[]).at(-1);
    expect(turn.role).toBe('user');
    expect(JSON.stringify(turn.content)).toContain('Map attached.');
    const images = (turn.content as any[]).flatMap((b) => (b.type === 'image' ? [b] : b.type === 'tool_result' && Array.isArray(b.content) ? b.content.filter((c: any) => c.type === 'image') : []));
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({ type: 'base64', media_type: 'image/png', data: PNG_BASE64 });
  });
});
