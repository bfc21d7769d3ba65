/**
 * DeepSeek's thinking switch as a client of each API asks for it. DeepSeek's chat API switches
 * thinking with `thinking: {type: "enabled" | "disabled"}` (deepseek-chat off by default, the V4
 * models on) and takes `reasoning_effort` low/high/max only; its own Responses format reads effort
 * `none` as thinking off (api-docs.deepseek.com/guides/thinking_mode, "Thinking Mode Toggle and
 * Effort Control"). So:
 * - /v1/messages `thinking` (Anthropic SDK) reaches a model that can switch as DeepSeek's `thinking`:
 *   Claude Code's thinking on deepseek-chat thinks, and `disabled` on a V4 model does not;
 *   deepseek-reasoner always thinks and gets nothing;
 * - `reasoning_effort: "none"` (chat) and `reasoning: {effort: "none"}` (Responses bridge), OpenAI's
 *   words for no reasoning, go up as `thinking: {type: "disabled"}`, never as an effort DeepSeek does
 *   not have; deepseek-reasoner, which cannot stop thinking, refuses it before the call.
 * And a deepseek-chat tool loop with thinking on through /v1/messages: DeepSeek refuses a later turn
 * whose tool-calling assistant message lacks its reasoning_content ("the API will return a 400
 * error", same guide, tool calls), which the fake here does too. Rows by x-request-id.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const TOOL_TURN = fixtureJson('responses', 'deepseek-reasoner-tools.completion.json');
const REASONING: string = TOOL_TURN.choices[0].message.reasoning_content;

let ds: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  ds = startFakeUpstream((_req, rec) => {
    const b = rec.body;
    if (b.reasoning_effort !== undefined && !['low', 'medium', 'high', 'max'].includes(b.reasoning_effort)) {
      return jsonResponse({ error: { message: `Failed to deserialize the JSON body into the target type: reasoning_effort: unknown variant \`${b.reasoning_effort}\`, expected one of \`low\`, \`medium\`, \`high\`, \`max\``, type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 422);
    }
    const thinking = /^deepseek-(reasoner|v4)/.test(b.model) ? b.thinking?.type !== 'disabled' : b.thinking?.type === 'enabled';
    const lost = b.messages.findIndex((m: any) => m.role === 'assistant' && m.tool_calls && typeof m.reasoning_content !== 'string');
    if (thinking && lost >= 0) {
      return jsonResponse({ error: { message: `Missing \`reasoning_content\` field in the assistant message at message index ${lost}`, type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 400);
    }
    if (thinking && !b.messages.some((m: any) => m.role === 'tool')) return jsonResponse({ ...TOOL_TURN, model: b.model });
    const answer = fixtureJson('deepseek', 'chat.json');
    // The fixture's answer carries reasoning: an answer out of thinking mode has none.
    if (!thinking) delete answer.choices[0].message.reasoning_content;
    return jsonResponse({ ...answer, model: b.model });
  });
  gw = await startGateway({ env: providerEnv('deepseek', `${ds.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  ds.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const anthropic = () => new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
const sentThinking = () => ds.last().body.thinking;

test('/v1/messages thinking reaches DeepSeek as its switch: on for deepseek-chat (thinking comes back), off for a V4 model; deepseek-reasoner gets none', async () => {
  const cases = [
    { model: 'deepseek-chat', thinking: { type: 'enabled' as const, budget_tokens: 2048 }, sent: { type: 'enabled' }, thinks: true },
    { model: 'deepseek-v4-flash', thinking: { type: 'disabled' as const }, sent: { type: 'disabled' }, thinks: false },
    { model: 'deepseek-v4-pro', thinking: { type: 'enabled' as const, budget_tokens: 2048 }, sent: { type: 'enabled' }, thinks: true },
    { model: 'deepseek-reasoner', thinking: { type: 'disabled' as const }, sent: undefined, thinks: true },
    { model: 'deepseek-chat', thinking: undefined, sent: undefined, thinks: false },
  ];
  for (const c of cases) {
    const { data, response } = await anthropic()
      .messages.create({ model: `deepseek/${c.model}`, max_tokens: 4096, messages: hi, ...(c.thinking ? { thinking: c.thinking } : {}) })
      .withResponse();
    expect([c.model, sentThinking()]).toEqual([c.model, c.sent]);
    expect([c.model, data.content.some((b) => b.type === 'thinking')]).toEqual([c.model, c.thinks]);
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', provider: 'deepseek', model: c.model, status: 200 });
  }
});

test('/v1/messages: a deepseek-chat tool loop with thinking on, three turns; each tool-calling turn goes back with its reasoning_content', async () => {
  const tools = [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];
  const thinking = { type: 'enabled' as const, budget_tokens: 2048 };
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
  const r1 = await anthropic().messages.create({ model: 'deepseek/deepseek-chat', max_tokens: 4096, thinking, tools, messages });
  expect(r1.content[0]).toMatchObject({ type: 'thinking', thinking: REASONING });
  const use = r1.content.find((b) => b.type === 'tool_use')!;
  messages.push({ role: 'assistant', content: r1.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C, sunny' }] });
  const r2 = await anthropic().messages.create({ model: 'deepseek/deepseek-chat', max_tokens: 4096, thinking, tools, messages });
  expect(r2.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Hello! How can I help?' });
  expect(ds.last().body.messages.find((m: any) => m.tool_calls)).toMatchObject({ reasoning_content: REASONING });
  messages.push({ role: 'assistant', content: r2.content }, { role: 'user', content: 'And tomorrow?' });
  const { data: r3, response } = await anthropic().messages.create({ model: 'deepseek/deepseek-chat', max_tokens: 4096, thinking, tools, messages }).withResponse();
  expect(r3.stop_reason).toBe('end_turn');
  expect(ds.last().body.messages.find((m: any) => m.tool_calls)).toMatchObject({ reasoning_content: REASONING });
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', provider: 'deepseek', status: 200 });
});

test('chat reasoning_effort "none" and Responses reasoning.effort "none": thinking off on a model that switches, never an effort DeepSeek lacks', async () => {
  for (const model of ['deepseek-v4-flash', 'deepseek-chat']) {
    const { response } = await gw.openai().chat.completions.create({ model: `deepseek/${model}`, messages: hi, reasoning_effort: 'none' as any }).withResponse();
    expect(ds.last().body).toMatchObject({ model, thinking: { type: 'disabled' } });
    expect(ds.last().body.reasoning_effort).toBeUndefined();
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'chat', status: 200 });
    const { data, response: r } = await gw.openai().responses.create({ model: `deepseek/${model}`, input: 'Hello', reasoning: { effort: 'none' as any } }).withResponse();
    expect(data.output.some((o) => o.type === 'reasoning')).toBe(false);
    expect(ds.last().body).toMatchObject({ model, thinking: { type: 'disabled' } });
    expect(ds.last().body.reasoning_effort).toBeUndefined();
    expect(await gw.waitForRow(r)).toMatchObject({ endpoint: 'responses', status: 200 });
  }
  // A client's own thinking switch wins over the effort.
  await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-v4-flash', messages: hi, reasoning_effort: 'none' as any, thinking: { type: 'enabled' } } as any);
  expect(ds.last().body.thinking).toEqual({ type: 'enabled' });
  // An effort DeepSeek has goes as sent.
  await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-v4-flash', messages: hi, reasoning_effort: 'high' });
  expect(ds.last().body).toMatchObject({ reasoning_effort: 'high' });
});

test('reasoning_effort "none" on deepseek-reasoner (it always thinks): a 400 unsupported_parameter before any call; one row', async () => {
  const before = ds.requests.length;
  const err: any = await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: hi, reasoning_effort: 'none' as any }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  expect(err.error).toMatchObject({ code: 'unsupported_parameter', param: 'reasoning_effort' });
  expect(err.message).toContain('deepseek-reasoner');
  expect(ds.requests.length).toBe(before);
  expect(await gw.waitForRow(err.headers.get('x-request-id'))).toMatchObject({ status: 400, provider: 'deepseek' });
});
