/**
 * A Gemini 3 agent loop as Claude Code (Anthropic SDK, /v1/messages) and an openai Responses client
 * (/v1/responses, the bridge) run it: three turns, the first two each two parallel calls of one
 * function after a thought summary, the signature on the first call only (as Gemini 3 sends it),
 * usage with implicit-cache hits and thoughts. Every turn's usage is exact (thoughts billed as output,
 * cache hits apart) and equal to its log row; the last request carries each model turn back with
 * its signature and Gemini's call ids, the results under those ids. Whole and streamed answers.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { FakeGemini } from './fake-gemini';

let fake: FakeGemini;
let gw: TestGateway;
beforeAll(async () => {
  fake = new FakeGemini();
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'AIzaSyFAKE-agent-loop-0123456789' } });
}, 30_000);
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const MODEL = 'gemini/gemini-3-pro-preview';
/** Standard base64 with `+`, `/` and padding, as Google's are: the id carries it base64url. */
const SIGNATURES = ['CiQBcsjafE2v+Ji3/ZqJ0w==', 'CiUBcsjafF8k/Qx+pL2mNw8='];
const USAGE = { promptTokenCount: 1200, cachedContentTokenCount: 1024, candidatesTokenCount: 30, thoughtsTokenCount: 200, totalTokenCount: 1430 };
/** gemini-3-pro-preview: $2/M input, $0.20/M cache hits, $12/M output (thoughts included). */
const COST = (176 * 2 + 1024 * 0.2 + 230 * 12) / 1e6;
const sse = (...events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('');

/** Turn `n`'s Gemini answer: a thought, then two calls of get_weather (Gemini's ids, the signature on the first). */
function callTurn(n: number, streamed: boolean) {
  const thought = { text: 'Two cities, two lookups.', thought: true };
  const calls = [
    { functionCall: { id: `fc${n}paris`, name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURES[n] },
    { functionCall: { id: `fc${n}tokyo`, name: 'get_weather', args: { city: 'Tokyo' } } },
  ];
  if (!streamed) return { json: { candidates: [{ content: { role: 'model', parts: [thought, ...calls] }, finishReason: 'STOP', index: 0 }], usageMetadata: USAGE, modelVersion: 'gemini-3-pro-preview', responseId: `r${n}` } };
  return {
    sse: sse(
      { candidates: [{ content: { role: 'model', parts: [thought] }, index: 0 }], usageMetadata: { promptTokenCount: 1200, cachedContentTokenCount: 1024, totalTokenCount: 1300, thoughtsTokenCount: 100 }, responseId: `r${n}` },
      { candidates: [{ content: { role: 'model', parts: calls }, finishReason: 'STOP', index: 0 }], usageMetadata: USAGE, modelVersion: 'gemini-3-pro-preview', responseId: `r${n}` },
    ),
  };
}
const DONE = { json: { candidates: [{ content: { role: 'model', parts: [{ text: 'Paris 18°C, Tokyo 22°C.' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 1300, candidatesTokenCount: 9, totalTokenCount: 1309 } } };

async function expectRow(requestId: string | null) {
  expect(await gw.waitForRow(requestId!)).toMatchObject({ status: 200, provider: 'gemini', promptTokens: 1200, cachedTokens: 1024, completionTokens: 230, reasoningTokens: 200, costUsd: expect.closeTo(COST, 12) });
}

/** What the last request sent Gemini: both model turns signed, Gemini's ids on the calls and on the results. */
function expectHistoryBack() {
  const contents = fake.last().body.contents as any[];
  expect(contents.map((c) => c.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
  for (const n of [0, 1]) {
    expect(contents[1 + 2 * n].parts).toEqual([
      { functionCall: { id: `fc${n}paris`, name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURES[n] },
      { functionCall: { id: `fc${n}tokyo`, name: 'get_weather', args: { city: 'Tokyo' } } },
    ]);
    // The client answered Tokyo first; each result is under its own call's id, in call order.
    expect(contents[2 + 2 * n].parts.map((p: any) => [p.functionResponse.id, p.functionResponse.response])).toEqual([
      [`fc${n}paris`, { city: 'Paris', turn: n }],
      [`fc${n}tokyo`, { city: 'Tokyo', turn: n }],
    ]);
  }
}

const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];

for (const streamed of [false, true]) {
  test(`/v1/messages (Anthropic SDK${streamed ? ', streamed' : ''}): 3 turns of parallel calls keep their signatures; usage exact and the row's`, async () => {
    const client = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris and Tokyo?' }];
    const params = () => ({ model: MODEL, max_tokens: 4096, tools, messages, thinking: { type: 'enabled' as const, budget_tokens: 1024 } });
    for (const n of [0, 1]) {
      fake.reply(callTurn(n, streamed));
      let msg: Anthropic.Message;
      let requestId: string | null;
      if (streamed) {
        const s = client.messages.stream(params());
        msg = await s.finalMessage();
        requestId = (await s.withResponse()).response.headers.get('x-request-id');
      } else {
        const r = await client.messages.create(params()).withResponse();
        [msg, requestId] = [r.data, r.response.headers.get('x-request-id')];
      }
      expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'tool_use', 'tool_use']);
      expect(msg.stop_reason).toBe('tool_use');
      expect(msg.usage).toMatchObject({ input_tokens: 176, cache_read_input_tokens: 1024, cache_creation_input_tokens: 0, output_tokens: 230, output_tokens_details: { thinking_tokens: 200 } });
      await expectRow(requestId);
      const uses = msg.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      // Claude Code gives back the whole assistant turn (its thinking too) and the results, in the order its tools finished.
      messages.push({ role: 'assistant', content: msg.content });
      messages.push({ role: 'user', content: [...uses].reverse().map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: JSON.stringify({ ...(u.input as object), turn: n }) })) });
    }
    fake.reply(DONE);
    const last = await client.messages.create(params());
    expect(last.content).toMatchObject([{ type: 'text', text: 'Paris 18°C, Tokyo 22°C.' }]);
    expectHistoryBack();
  });
}

const fnTools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', name: 'get_weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];

for (const [chained, streamed] of [[true, true], [false, false], [true, false], [false, true]] as const) {
  test(`/v1/responses (openai SDK, ${chained ? 'previous_response_id' : 'store: false, items replayed'}${streamed ? ', streamed' : ''}): the same loop`, async () => {
    const client = gw.openai();
    let input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Weather in Paris and Tokyo?' }];
    let previous: string | undefined;
    const params = () => ({ model: MODEL, input, tools: fnTools, reasoning: { effort: 'low' as const, summary: 'auto' as const }, store: chained, previous_response_id: previous });
    for (const n of [0, 1]) {
      fake.reply(callTurn(n, streamed));
      let res: OpenAI.Responses.Response;
      let requestId: string | null;
      if (streamed) {
        const { data, response } = await client.responses.create({ ...params(), stream: true }).withResponse();
        let done: OpenAI.Responses.Response | undefined;
        for await (const e of data) if (e.type === 'response.completed') done = e.response;
        [res, requestId] = [done!, response.headers.get('x-request-id')];
      } else {
        const r = await client.responses.create(params()).withResponse();
        [res, requestId] = [r.data, r.response.headers.get('x-request-id')];
      }
      expect(res.status).toBe('completed');
      expect(res.output.map((o) => o.type)).toEqual(['reasoning', 'function_call', 'function_call']);
      expect(res.usage).toMatchObject({ input_tokens: 1200, input_tokens_details: { cached_tokens: 1024 }, output_tokens: 230, output_tokens_details: { reasoning_tokens: 200 }, total_tokens: 1430 });
      await expectRow(requestId);
      const calls = res.output.filter((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call');
      const outputs = [...calls].reverse().map((c) => ({ type: 'function_call_output' as const, call_id: c.call_id, output: JSON.stringify({ ...JSON.parse(c.arguments), turn: n }) }));
      if (chained) [previous, input] = [res.id, outputs];
      else input = [...input, ...(res.output as OpenAI.Responses.ResponseInputItem[]), ...outputs];
    }
    fake.reply(DONE);
    const last = await client.responses.create(params());
    expect(last.output_text).toBe('Paris 18°C, Tokyo 22°C.');
    expectHistoryBack();
  });
}
