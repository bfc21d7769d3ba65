/**
 * Prefill: a conversation that ends with an assistant turn asks the model to continue that text,
 * and the answer holds only the continuation. Kimi does it with Partial Mode (`partial: true` on
 * the final assistant message), DeepSeek with Chat Prefix Completion (`prefix: true`, served only
 * at its beta base URL); a provider without prefill (OpenAI) gets the turn as a past one, without
 * a flag it would refuse. Driven over real HTTP with the Anthropic SDK (/v1/messages, JSON and
 * stream) and the openai client (/v1/chat/completions, where a client sends either flag itself),
 * against fakes that check the flag and the URL path they got and answer only the continuation
 * (and a new turn when the flag is missing, so a prefill that was lost shows in the answer).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, sseResponse, startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient } from './messages-helpers';

const PREFILL = 'The sky is';
const CONTINUATION = ' blue, because air scatters short wavelengths.';
const NEW_TURN = 'A new turn that ignored the prefill.';
const REASONING = 'Continue the sentence.';

let kimi: FakeUpstream;
let deepseek: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

/** A provider's 400 for a message field it does not take, in OpenAI's shape. */
const refuse = (message: string) => jsonResponse({ error: { message, type: 'invalid_request_error', param: null, code: null } }, 400);

/** The fake's answer: `text` (after `reasoning`, when given), whole or streamed in two pieces. */
function answer(rec: RecordedRequest, model: string, text: string, reasoning?: string): Response {
  const usage = { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 };
  if (!rec.body.stream) {
    const message: Record<string, unknown> = { role: 'assistant', content: text };
    if (reasoning) message.reasoning_content = reasoning;
    return jsonResponse({ id: 'chatcmpl-prefill', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message, finish_reason: 'stop' }], usage });
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id: 'chatcmpl-prefill', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra });
  const half = Math.floor(text.length / 2);
  return sseResponse([
    chunk({ role: 'assistant', content: '' }),
    ...(reasoning ? [chunk({ reasoning_content: reasoning })] : []),
    chunk({ content: text.slice(0, half) }),
    chunk({ content: text.slice(half) }),
    chunk({}, 'stop', { usage }),
    '[DONE]',
  ]);
}

const lastMessage = (rec: RecordedRequest) => rec.body.messages.at(-1);

beforeAll(async () => {
  // Kimi: Partial Mode on the final assistant message; DeepSeek's flag is not Kimi's.
  kimi = startFakeUpstream((_r, rec) => {
    if (rec.path !== '/v1/chat/completions') return refuse(`no route ${rec.path}`);
    if (rec.body.messages.some((m: any) => 'prefix' in m)) return refuse("unknown field 'prefix'");
    const last = lastMessage(rec);
    return answer(rec, rec.body.model, last.role === 'assistant' && last.partial === true ? CONTINUATION : NEW_TURN);
  });
  // DeepSeek: `prefix` only at /beta (its stable API refuses it); it thinks before it continues.
  deepseek = startFakeUpstream((_r, rec) => {
    if (rec.body.messages.some((m: any) => 'partial' in m)) return refuse("unknown field 'partial'");
    const prefix = lastMessage(rec).prefix === true;
    if (prefix && rec.path !== '/beta/chat/completions') return refuse('The `prefix` parameter is only available at https://api.deepseek.com/beta');
    if (!['/beta/chat/completions', '/v1/chat/completions'].includes(rec.path)) return refuse(`no route ${rec.path}`);
    return answer(rec, rec.body.model, prefix && lastMessage(rec).role === 'assistant' ? CONTINUATION : NEW_TURN, REASONING);
  });
  // OpenAI validates every message field: neither flag is one of its.
  openai = startFakeUpstream((_r, rec) => {
    const bad = rec.body.messages.findIndex((m: any) => 'partial' in m || 'prefix' in m);
    if (bad >= 0) return refuse(`Additional properties are not allowed ('partial', 'prefix' were unexpected) - 'messages.${bad}'`);
    return answer(rec, rec.body.model, NEW_TURN);
  });
  gw = await startGateway({
    env: {
      ...providerEnv('moonshot', `${kimi.url}/v1`),
      ...providerEnv('deepseek', `${deepseek.url}/v1`, { LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL: `${deepseek.url}/beta` }),
      ...providerEnv('openai', `${openai.url}/v1`),
    },
  });
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  kimi.close();
  deepseek.close();
  openai.close();
});

const prefilled = (model: string): Anthropic.MessageCreateParamsNonStreaming => ({
  model, max_tokens: 100,
  messages: [{ role: 'user', content: 'Why is the sky blue? One sentence.' }, { role: 'assistant', content: PREFILL }],
});

const textOf = (m: Anthropic.Message) => m.content.filter((b) => b.type === 'text').map((b) => (b as Anthropic.TextBlock).text).join('');

describe('/v1/messages with a prefill (Anthropic SDK)', () => {
  test('Kimi: the final assistant turn goes up with partial: true; the answer is the continuation alone (JSON and stream), one row each', async () => {
    const { data, response } = await client.messages.create(prefilled('moonshot/kimi-k2-0905-preview')).withResponse();
    expect(textOf(data)).toBe(CONTINUATION);
    expect(data.stop_reason).toBe('end_turn');
    const sent = kimi.last();
    expect(sent.path).toBe('/v1/chat/completions');
    expect(lastMessage(sent)).toEqual({ role: 'assistant', content: PREFILL, partial: true });
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'moonshot', stream: false });

    const stream = client.messages.stream(prefilled('moonshot/kimi-k2-0905-preview'));
    const { response: streamed } = await stream.withResponse();
    const final = await stream.finalMessage();
    expect(textOf(final)).toBe(CONTINUATION);
    expect(lastMessage(kimi.last())).toEqual({ role: 'assistant', content: PREFILL, partial: true });
    expect(kimi.last().body.stream).toBe(true);
    expect(await gw.waitForRow(streamed)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'moonshot', stream: true });
  });

  test('DeepSeek (reasoner): prefix: true at the beta base URL; thinking, then the continuation alone (JSON and stream), one row each', async () => {
    const { data, response } = await client.messages.create(prefilled('deepseek/deepseek-reasoner')).withResponse();
    expect(textOf(data)).toBe(CONTINUATION);
    expect(data.content[0]).toMatchObject({ type: 'thinking', thinking: REASONING });
    const sent = deepseek.last();
    expect(sent.path).toBe('/beta/chat/completions');
    expect(lastMessage(sent)).toEqual({ role: 'assistant', content: PREFILL, prefix: true });
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'deepseek', stream: false });

    const stream = client.messages.stream(prefilled('deepseek/deepseek-reasoner'));
    const { response: streamed } = await stream.withResponse();
    const final = await stream.finalMessage();
    expect(textOf(final)).toBe(CONTINUATION);
    expect(deepseek.last().path).toBe('/beta/chat/completions');
    expect(lastMessage(deepseek.last())).toEqual({ role: 'assistant', content: PREFILL, prefix: true });
    expect(await gw.waitForRow(streamed)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'deepseek', stream: true });
  });

  test('DeepSeek without a prefill stays on the configured base URL', async () => {
    const { data } = await client.messages.create({ model: 'deepseek/deepseek-chat', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(textOf(data)).toBe(NEW_TURN);
    expect(deepseek.last().path).toBe('/v1/chat/completions');
  });

  test('OpenAI has no prefill: the turn goes up as a past one, without a flag it would refuse (today’s behaviour)', async () => {
    const { data, response } = await client.messages.create(prefilled('openai/gpt-4o-mini')).withResponse();
    expect(textOf(data)).toBe(NEW_TURN);
    expect(lastMessage(openai.last())).toEqual({ role: 'assistant', content: PREFILL });
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'openai' });
  });

  test('an empty final assistant turn asks for nothing: it is left out (Kimi refuses an empty assistant message)', async () => {
    const { data, response } = await client.messages
      .create({ model: 'moonshot/kimi-k2-0905-preview', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: [] }] })
      .withResponse();
    expect(textOf(data)).toBe(NEW_TURN);
    expect(kimi.last().body.messages.map((m: any) => m.role)).toEqual(['user']);
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', status: 200 });
  });

  test('a final assistant turn that made a tool call is no prefill: no flag', async () => {
    await client.messages.create({
      model: 'moonshot/kimi-k2-0905-preview', max_tokens: 50, tools: [{ name: 'weather', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'toolu_01', name: 'weather', input: {} }] }],
    });
    const last = lastMessage(kimi.last());
    expect(last.role).toBe('assistant');
    expect(last.tool_calls).toHaveLength(1);
    expect('partial' in last).toBe(false);
  });
});

describe('/v1/chat/completions: a client’s own partial / prefix flag (openai client)', () => {
  const ask = (model: string, flag: Record<string, boolean>): any => ({
    model, messages: [{ role: 'user', content: 'Why is the sky blue?' }, { role: 'assistant', content: PREFILL, ...flag }],
  });

  test('Kimi gets a client’s partial: true untouched; the answer is the continuation; one row', async () => {
    const { data, response } = await gw.openai().chat.completions.create(ask('moonshot/kimi-k2-0905-preview', { partial: true })).withResponse();
    expect(data.choices[0]!.message.content).toBe(CONTINUATION);
    expect(kimi.last().body.messages).toEqual(ask('x', { partial: true }).messages);
    expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ endpoint: 'chat', status: 200, provider: 'moonshot' });
  });

  test('DeepSeek gets a client’s prefix: true at its beta base URL (streamed too); one row each', async () => {
    const { data, response } = await gw.openai().chat.completions.create(ask('deepseek/deepseek-chat', { prefix: true })).withResponse();
    expect(data.choices[0]!.message.content).toBe(CONTINUATION);
    expect(deepseek.last().path).toBe('/beta/chat/completions');
    expect(lastMessage(deepseek.last())).toEqual({ role: 'assistant', content: PREFILL, prefix: true });
    expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ endpoint: 'chat', status: 200, provider: 'deepseek' });

    const { data: stream, response: streamed } = await gw.openai().chat.completions.create({ ...ask('deepseek/deepseek-chat', { prefix: true }), stream: true }).withResponse();
    let text = '';
    for await (const c of stream as any) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe(CONTINUATION);
    expect(deepseek.last().path).toBe('/beta/chat/completions');
    expect(await gw.waitForRow(streamed.headers.get('x-request-id')!)).toMatchObject({ endpoint: 'chat', status: 200, stream: true });
  });

  test('each provider gets its own flag: Kimi’s partial becomes DeepSeek’s prefix, and the other way round', async () => {
    const toDeepseek = await gw.openai().chat.completions.create(ask('deepseek/deepseek-chat', { partial: true }));
    expect(toDeepseek.choices[0]!.message.content).toBe(CONTINUATION);
    expect(deepseek.last().path).toBe('/beta/chat/completions');
    expect(lastMessage(deepseek.last())).toEqual({ role: 'assistant', content: PREFILL, prefix: true });

    const toKimi = await gw.openai().chat.completions.create(ask('moonshot/kimi-k2-0905-preview', { prefix: true }));
    expect(toKimi.choices[0]!.message.content).toBe(CONTINUATION);
    expect(lastMessage(kimi.last())).toEqual({ role: 'assistant', content: PREFILL, partial: true });
  });

  test('OpenAI, which refuses both fields, gets neither: answered as before, not a 400; one row', async () => {
    const { data, response } = await gw.openai().chat.completions.create(ask('openai/gpt-4o-mini', { partial: true, prefix: true })).withResponse();
    expect(data.choices[0]!.message.content).toBe(NEW_TURN);
    expect(lastMessage(openai.last())).toEqual({ role: 'assistant', content: PREFILL });
    expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ endpoint: 'chat', status: 200, provider: 'openai' });
  });

  test('a flag that is not a boolean, or true on a system or user message, is a 400 naming it before any call; one row each', async () => {
    const sent = kimi.requests.length + deepseek.requests.length;
    const cases: [string, any[], string, string][] = [
      ['moonshot/kimi-k2-0905-preview', [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: PREFILL, partial: 'yes' }], 'messages[1].partial', 'must be a boolean'],
      ['deepseek/deepseek-chat', [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: PREFILL, prefix: 1 }], 'messages[1].prefix', 'must be a boolean'],
      ['deepseek/deepseek-chat', [{ role: 'system', content: 'Be brief.', prefix: true }, { role: 'user', content: 'Hi' }], 'messages[0].prefix', "not a 'system' one"],
      ['moonshot/kimi-k2-0905-preview', [{ role: 'user', content: 'Hi', partial: true }], 'messages[0].partial', "not a 'user' one"],
    ];
    for (const [model, messages, param, words] of cases) {
      const err = await apiError(gw.openai().chat.completions.create({ model, messages } as any));
      expect([err.status, err.param, (err.error as any).type]).toEqual([400, param, 'invalid_request_error']);
      expect((err.error as any).message).toContain(words);
      expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'chat', status: 400 });
    }
    expect(kimi.requests.length + deepseek.requests.length).toBe(sent);
    // false is a flag not set, anywhere.
    await gw.openai().chat.completions.create({ model: 'deepseek/deepseek-chat', messages: [{ role: 'system', content: 'Be brief.', prefix: false }, { role: 'user', content: 'Hi' }] } as any);
  });

  test('a flag on a message that is not the last one is taken off (only a final assistant message is continued)', async () => {
    await gw.openai().chat.completions.create({
      model: 'moonshot/kimi-k2-0905-preview',
      messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b', partial: true }, { role: 'user', content: 'c' }] as any,
    });
    expect(kimi.last().body.messages).toEqual([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }]);
  });
});
