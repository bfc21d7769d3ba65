/**
 * Kimi answers a tool-calling turn with `content: ""` (its recorded answers), and refuses that same
 * message when it comes back in the next turn: 400 "Invalid request: text content is empty"
 * (MoonshotAI/kimi-cli#2621, the array form `[{type: "text", text: ""}]` in kimi-cli#2035,
 * OpenHands/software-agent-sdk#1093 for kimi-k2-thinking). Every client that sends a turn back as
 * it got it (the OpenAI SDK's runTools, JSON and streamed, LangChain's bindTools loop) would stop
 * there. The fake Kimi refuses as the real one does; the gateway leaves the blank text of such a
 * message out (OpenAI's API takes an assistant message that made calls without content).
 */
import { afterAll, expect, test } from 'bun:test';
import { ChatOpenAI } from '@langchain/openai';
import { ToolMessage, type AIMessageChunk } from '@langchain/core/messages';
import { concat } from '@langchain/core/utils/stream';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { idRecorder, weatherTool } from './langchain-helpers';
import { sdkClient } from './openai-sdk-fakes';

const kimi = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('moonshot', `${kimi.url}/v1`) });
afterAll(() => kimi.close());

const MODEL = 'moonshot/kimi-k2.6';
const blank = (c: unknown) => (typeof c === 'string' ? c.trim() === '' : Array.isArray(c) && c.every((p: any) => p?.type === 'text' && !p.text?.trim()));

/** Kimi as it behaves: an assistant tool-call message with blank text is its 400; a turn after tool results gets its text answer, a first turn its recorded two calls. */
function strictKimi(_req: Request, r: RecordedRequest) {
  const messages: any[] = r.body.messages;
  if (messages.some((m) => m.role === 'assistant' && m.tool_calls?.length && 'content' in m && m.content !== null && blank(m.content))) {
    return jsonResponse({ error: { message: 'Invalid request: text content is empty', type: 'invalid_request_error' } }, 400);
  }
  const after = messages.some((m) => m.role === 'tool');
  if (r.body.stream) return sseResponse(readChunks('moonshot', after ? 'text.chunks.txt' : 'thinking-tools.chunks.txt'));
  return jsonResponse(fixtureJson('moonshot', after ? 'chat.json' : 'thinking-tools.json'));
}
kimi.handler = strictKimi;

const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    function: ({ city }: { city: string }) => `sunny in ${city}`,
    parse: JSON.parse,
  },
};

/** The assistant message Kimi got back in the last request. */
const sentAssistant = () => kimi.last().body.messages.find((m: any) => m.role === 'assistant');

for (const stream of [false, true]) {
  test(`OpenAI SDK runTools${stream ? ' (streamed)' : ''}: the turn goes back without its empty text, with its calls and reasoning; the answer; two rows`, async () => {
    const { client, ids } = sdkClient(gw);
    const mark = ids.ids.length;
    const runner = client.chat.completions.runTools({ model: MODEL, stream, messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: [weather] } as any);
    expect(await runner.finalContent()).toBeTruthy();
    const sent = sentAssistant();
    expect('content' in sent).toBe(false);
    expect(sent.tool_calls.map((c: any) => JSON.parse(c.function.arguments).city)).toEqual(['Paris', 'Tokyo']);
    expect(sent.reasoning_content).toBe('The user wants the weather in Paris and Tokyo. I will call get_weather for each city.');
    for (const id of ids.since(mark, 2)) expect(await gw.waitForRow(id)).toMatchObject({ status: 200, provider: 'moonshot', model: 'kimi-k2.6' });
  });
}

test('LangChain bindTools streamed, then the ToolMessages: the AIMessage goes back without its empty text; the answer', async () => {
  const rec = idRecorder();
  const model = new ChatOpenAI({ model: MODEL, apiKey: gw.clientKey, maxRetries: 0, configuration: { baseURL: `${gw.url}/v1`, fetch: rec.fetch } }).bindTools([weatherTool]);
  let ai: AIMessageChunk | undefined;
  for await (const chunk of await model.stream('Weather in Paris and Tokyo?')) ai = ai ? concat(ai, chunk) : chunk;
  expect(ai!.tool_calls!.map((c) => c.args)).toEqual([{ city: 'Paris' }, { city: 'Tokyo' }]);
  const results = ai!.tool_calls!.map((c) => new ToolMessage({ tool_call_id: c.id!, content: `sunny in ${c.args.city}` }));
  const answer = await model.invoke([{ role: 'user', content: 'Weather in Paris and Tokyo?' }, ai!, ...results]);
  expect(answer.content).toBe(fixtureJson('moonshot', 'chat.json').choices[0].message.content);
  expect(blank(sentAssistant().content ?? null)).toBe(false);
  expect(await gw.waitForRow(rec.last())).toMatchObject({ status: 200, provider: 'moonshot' });
});

test('text sent as one empty text part, or as whitespace, is left out the same way; a turn with text keeps it', async () => {
  const client = gw.openai();
  const call = { id: 'get_weather:0', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
  const turn = (content: any) => [
    { role: 'user' as const, content: 'Weather in Paris?' },
    { role: 'assistant' as const, content, tool_calls: [call] },
    { role: 'tool' as const, tool_call_id: 'get_weather:0', content: 'sunny' },
  ];
  for (const content of [[{ type: 'text', text: '' }], ' \n']) {
    const { response } = await client.chat.completions.create({ model: MODEL, messages: turn(content) }).withResponse();
    expect('content' in sentAssistant()).toBe(false);
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'moonshot' });
  }
  await client.chat.completions.create({ model: MODEL, messages: turn('Let me check.') });
  expect(sentAssistant().content).toBe('Let me check.');
});
