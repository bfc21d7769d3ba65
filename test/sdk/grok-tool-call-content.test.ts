/**
 * xAI refuses an assistant message that made tool calls but has no content (null, left out, or no
 * parts): 400 "Invalid request content: Each message must have at least one content element."
 * (langchain-ai/langchain#34140, AstrBotDevs/AstrBot#6447); it answers such a turn with `content: ""`
 * itself and takes that back. The AI SDK's OpenAI-compatible and OpenAI chat models send a tool-only
 * turn as `content: null`, and the gateway's own translation of an Anthropic `tool_use` turn
 * (/v1/messages) does too, so every multi-step tool loop on Grok stopped at its second step. The
 * fake xAI refuses as the real one does; the gateway sends such a message with `content: ""`.
 */
import { afterAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { idRecorder, weatherSchema } from './langchain-helpers';

const xai = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('grok', `${xai.url}/v1`) });
afterAll(() => xai.close());

const MODEL = 'grok/grok-4-fast-non-reasoning';
const FINAL = fixtureJson('grok', 'chat.json').choices[0].message.content;

/** xAI as it behaves: a tool-call message without content is its 400; after tool results its text answer, else its recorded two calls. */
function strictXai(_req: Request, r: RecordedRequest) {
  const messages: any[] = r.body.messages;
  const empty = messages.some((m) => m.role === 'assistant' && m.tool_calls?.length && (m.content == null || (Array.isArray(m.content) && m.content.length === 0)));
  if (empty) return jsonResponse({ code: 'Client specified an invalid argument', error: 'Invalid request content: Each message must have at least one content element.' }, 400);
  const after = messages.some((m) => m.role === 'tool');
  if (r.body.stream) return sseResponse(readChunks('grok', after ? 'text.chunks.txt' : 'tools.chunks.txt'));
  return jsonResponse(fixtureJson('grok', after ? 'chat.json' : 'tools.json'));
}
xai.handler = strictXai;

const get_weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string }>(weatherSchema as any),
  execute: async ({ city }) => ({ city, sky: 'sunny' }),
});

/** The assistant message xAI got back in the last request. */
const sentAssistant = () => xai.last().body.messages.find((m: any) => m.role === 'assistant');

const models = {
  'openai-compatible': (fetch: typeof globalThis.fetch) => createOpenAICompatible({ name: 'gateway', baseURL: `${gw.url}/v1`, apiKey: gw.clientKey, fetch, includeUsage: true }).chatModel(MODEL),
  'openai chat': (fetch: typeof globalThis.fetch) => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey, fetch }).chat(MODEL),
};

for (const [name, model] of Object.entries(models)) {
  for (const stream of [false, true]) {
    test(`AI SDK ${name} model, ${stream ? 'streamText' : 'generateText'} tool loop: the tool-only turn goes back with content "", both calls run; two rows`, async () => {
      const rec = idRecorder();
      const mark = rec.ids.length;
      const args = { model: model(rec.fetch), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather }, stopWhen: stepCountIs(3) };
      const steps = stream ? await streamText(args).steps : (await generateText(args)).steps;
      expect(steps.map((s) => s.toolCalls.map((c) => c.input))).toEqual([[{ city: 'Paris' }, { city: 'Tokyo' }], []]);
      expect(steps[1]!.text).toBe(stream ? readChunks('grok', 'text.chunks.txt').map((c) => (c === '[DONE]' ? '' : JSON.parse(c).choices[0]?.delta?.content ?? '')).join('') : FINAL);
      expect(sentAssistant()).toMatchObject({ content: '', tool_calls: [{ id: 'call_70416631' }, { id: 'call_15227382' }] });
      for (const id of rec.since(mark, 2)) expect(await gw.waitForRow(id)).toMatchObject({ status: 200, provider: 'grok' });
    });
  }
}

test('Anthropic SDK on /v1/messages: the tool_use turn, translated, reaches xAI with content ""; the answer; one row', async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const { data, response } = await client.messages
    .create({
      model: MODEL,
      max_tokens: 512,
      tools: [{ name: 'get_weather', description: 'Current weather for a city', input_schema: weatherSchema as any }],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_70416631', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_70416631', content: 'sunny' }] },
      ],
    })
    .withResponse();
  expect(data.content.find((b) => b.type === 'text')).toMatchObject({ text: FINAL });
  expect(sentAssistant()).toMatchObject({ content: '', tool_calls: [{ id: 'call_70416631', function: { name: 'get_weather' } }] });
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, endpoint: 'messages', provider: 'grok' });
});
