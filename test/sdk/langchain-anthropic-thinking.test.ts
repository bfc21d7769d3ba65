/**
 * LangChain's ChatAnthropic on the gateway's POST /v1/messages with thinking on non-Anthropic
 * models (DeepSeek's reasoning_content and Gemini's thought summaries as thinking blocks, and back
 * on the next turn), and withStructuredOutput's `jsonSchema` method (Anthropic's
 * output_config.format) natively and translated. Rows are picked by the answer's x-request-id.
 */
import { describe, expect, test } from 'bun:test';
import { ChatAnthropic } from '@langchain/anthropic';
import { AIMessageChunk, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { fixtureJson, jsonResponse, readChunks, sseResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from './fake-providers';
import { fixtureWith, idRecorder, weatherSchema, weatherTool } from './langchain-helpers';

let gw: TestGateway;
const { anthropicUp, openaiUp, deepseekUp: deepseek, geminiUp: gemini } = useFakeProviders((g) => void (gw = g), { gemini: true });

const rec = idRecorder();
const chat = (model: string, fields: ConstructorParameters<typeof ChatAnthropic>[0] = {}) =>
  new ChatAnthropic({ model, apiKey: gw.clientKey, anthropicApiUrl: gw.url, maxRetries: 0, clientOptions: { fetch: rec.fetch, timeout: 20_000 }, ...fields });
const thinking = { maxTokens: 4096, thinking: { type: 'enabled' as const, budget_tokens: 2048 } };

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk> {
  let message: AIMessageChunk | undefined;
  for await (const c of stream) message = message ? message.concat(c) : c;
  if (!message) throw new Error('the stream yielded nothing');
  return message;
}
const results = (m: AIMessageChunk) => m.tool_calls!.map((c) => new ToolMessage({ tool_call_id: c.id!, content: 'sunny' }));

describe('thinking on translated models, streamed, with a tool turn', () => {
  test('DeepSeek reasoner: reasoning_content as a thinking block; it goes back as reasoning_content with the calls', async () => {
    let n = 0;
    deepseek.handler = () => sseResponse(readChunks('deepseek', n++ === 0 ? 'reasoner-tools.chunks.txt' : 'text.chunks.txt'));
    const model = chat('deepseek/deepseek-reasoner', thinking).bindTools([weatherTool]);
    const user = new HumanMessage('Weather in Paris and Tokyo?');
    const mark = rec.ids.length;
    const first = await collect(await model.stream([user]));
    const blocks = first.content as any[];
    expect(blocks[0]).toMatchObject({ type: 'thinking', thinking: 'I need the weather for both cities, so I call the tool twice.' });
    expect(first.tool_calls!.map((c) => c.args)).toEqual([{ city: 'Paris' }, { city: 'Tokyo' }]);
    const second = await collect(await model.stream([user, first, ...results(first)]));
    expect((second.content as any[]).map((b) => b.type)).toEqual(['thinking', 'text']);
    const assistant = deepseek.last().body.messages[2];
    expect(assistant).toMatchObject({ role: 'assistant', reasoning_content: 'I need the weather for both cities, so I call the tool twice.' });
    expect(assistant.tool_calls.map((c: any) => c.id)).toEqual(first.tool_calls!.map((c) => c.id));
    const [a, b] = rec.since(mark, 2);
    expect(await gw.waitForRow(a!)).toMatchObject({ provider: 'deepseek', stream: true, status: 200, promptTokens: 210, cachedTokens: 192, completionTokens: 64, reasoningTokens: 20 });
    expect(await gw.waitForRow(b!)).toMatchObject({ provider: 'deepseek', stream: true, status: 200, promptTokens: 24, completionTokens: 58 });
  });

  test('Gemini 3: the budget as a thinking level, thought summaries as thinking; the signed call goes back signed', async () => {
    let n = 0;
    gemini.handler = (_r, r) => (r.path.includes(':stream') ? sseResponse(readChunks('gemini', n++ === 0 ? 'tool-call-gemini3.chunks.txt' : 'text.chunks.txt')) : jsonResponse(fixtureJson('gemini', 'text.json')));
    const model = chat('gemini/gemini-3-pro-preview', thinking).bindTools([weatherTool]);
    const user = new HumanMessage('Weather in Paris and Tokyo?');
    const first = await collect(await model.stream([user]));
    // A budget of half of max_tokens is high effort (messages/map-thinking.ts).
    expect(gemini.last().body.generationConfig).toMatchObject({ maxOutputTokens: 4096, thinkingConfig: { thinkingLevel: 'high', includeThoughts: true } });
    expect((first.content as any[])[0]).toMatchObject({ type: 'thinking', thinking: expect.stringMatching(/^\*\*Planning the lookups\*\*/) });
    expect(first.tool_calls).toHaveLength(2);
    const second = await model.invoke([user, first, ...results(first)]);
    expect((second.content as any[]).map((b) => b.type)).toEqual(['thinking', 'text']);
    const [call, response] = gemini.last().body.contents.slice(1);
    expect(call.parts.map((p: any) => [p.functionCall.args.city, typeof p.thoughtSignature])).toEqual([['Paris', 'string'], ['Tokyo', 'undefined']]);
    expect(response.parts.map((p: any) => p.functionResponse.response)).toEqual([{ result: 'sunny' }, { result: 'sunny' }]);
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'gemini', stream: false, status: 200 });
  });
});

describe("withStructuredOutput, method 'jsonSchema' (output_config.format)", () => {
  const nantes = { city: 'Nantes' };
  test('Anthropic: the format passes through; the JSON text is parsed', async () => {
    anthropicUp.handler = () => jsonResponse(fixtureWith('anthropic', 'text.json', (j) => (j.content = [{ type: 'text', text: JSON.stringify(nantes) }])));
    expect(await chat('claude-sonnet-4-5').withStructuredOutput(weatherSchema, { method: 'jsonSchema' }).invoke('Where is the château?')).toEqual(nantes);
    expect(anthropicUp.last().body.output_config).toEqual({ format: { type: 'json_schema', schema: weatherSchema } });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 21, completionTokens: 12 });
  });

  test('OpenAI: a strict json_schema response_format; Gemini: responseJsonSchema', async () => {
    openaiUp.handler = () => jsonResponse(fixtureWith('openai', 'chat.json', (j) => (j.choices[0].message.content = JSON.stringify(nantes))));
    expect(await chat('openai/gpt-4o-mini').withStructuredOutput(weatherSchema, { method: 'jsonSchema' }).invoke('Where is the château?')).toEqual(nantes);
    expect(openaiUp.last().body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema: weatherSchema, strict: true } });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'openai', status: 200, promptTokens: 19, completionTokens: 9 });

    gemini.handler = () => jsonResponse(fixtureWith('gemini', 'text.json', (j) => (j.candidates[0].content.parts = [{ text: JSON.stringify(nantes) }])));
    expect(await chat('gemini/gemini-2.5-flash').withStructuredOutput(weatherSchema, { method: 'jsonSchema' }).invoke('Where is the château?')).toEqual(nantes);
    expect(gemini.last().body.generationConfig).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: weatherSchema });
    expect(await gw.waitForRow(rec.last())).toMatchObject({ provider: 'gemini', status: 200 });
  });
});
