/**
 * stop_reason / stop_sequence of translated /v1/messages answers. OpenAI and Gemini say only
 * "stop" when a stop sequence matched (and cut it from the text), so the answer is `end_turn`
 * with `stop_sequence: null`: the gateway never names a sequence it cannot know. An
 * OpenAI-compatible server that names the sequence it matched (vLLM's `stop_reason`) is believed
 * for one of the client's own stop_sequences. JSON and stream alike, with the official SDK.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient, folded, foldChatChunks } from './messages-helpers';

/** What the OpenAI-compatible fake names as the matched sequence (undefined: nothing, as OpenAI). */
let matched: unknown;

function chunks(): string[] {
  const c = (choices: any[], extra: any = {}) => JSON.stringify({ id: 'cmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm1', choices, ...extra });
  const finish: Record<string, unknown> = { index: 0, delta: {}, finish_reason: 'stop' };
  if (matched !== undefined) finish.stop_reason = matched;
  return [
    c([{ index: 0, delta: { role: 'assistant', content: 'Step 1. ' }, finish_reason: null }]),
    c([{ index: 0, delta: { content: 'Step 2.' }, finish_reason: null }]),
    c([finish]),
    c([], { usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } }),
    '[DONE]',
  ];
}

let openai: FakeUpstream;
let gemini: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  openai = startFakeUpstream((_r, rec) => {
    if (rec.body?.stream) return sseResponse(chunks());
    const whole = foldChatChunks(chunks());
    if (matched !== undefined) whole.choices[0].stop_reason = matched;
    return jsonResponse(whole);
  });
  gemini = startFakeUpstream((_r, rec) =>
    rec.path.includes(':streamGenerateContent') ? sseResponse(readChunks('gemini', 'text.chunks.txt')) : jsonResponse(folded('gemini', 'text.chunks.txt')),
  );
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('gemini', gemini.url) } });
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  openai.close();
  gemini.close();
});

/** The JSON answer and the streamed one's final message (both must agree), and the JSON row. */
async function both(model: string, stop_sequences?: string[]) {
  const req = { model, max_tokens: 100, messages: [{ role: 'user' as const, content: 'Count the steps.' }], ...(stop_sequences ? { stop_sequences } : {}) };
  const { data, response } = await client.messages.create(req).withResponse();
  const streamed = await client.messages.stream(req).finalMessage();
  expect({ stop_reason: streamed.stop_reason, stop_sequence: streamed.stop_sequence }).toEqual({ stop_reason: data.stop_reason, stop_sequence: data.stop_sequence });
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ endpoint: 'messages', status: 200 });
  return data;
}

describe('stop_sequence in translated answers', () => {
  test('OpenAI says only "stop": end_turn and no sequence, though stop_sequences were sent up', async () => {
    matched = undefined;
    const m = await both('openai/gpt-4o-mini', ['###', 'END']);
    expect(openai.last().body.stop).toEqual(['###', 'END']);
    expect(m).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
  });

  test('an upstream naming one of the client\'s sequences (vLLM stop_reason): stop_sequence with it', async () => {
    matched = 'END';
    const m = await both('openai/gpt-4o-mini', ['###', 'END']);
    expect(m).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });

  test('a named sequence the client did not give (none given, or another one) is not believed: end_turn', async () => {
    matched = 'END';
    expect(await both('openai/gpt-4o-mini')).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
    expect(await both('openai/gpt-4o-mini', ['###'])).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
    // vLLM names a stop token by its id (a number): no sequence either.
    matched = 151645;
    expect(await both('openai/gpt-4o-mini', ['###'])).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
  });

  test('Gemini (finishReason STOP) with stop_sequences: end_turn, no sequence; stopSequences sent up', async () => {
    const m = await both('gemini/gemini-2.5-flash', ['###']);
    expect(gemini.last().body.generationConfig.stopSequences).toEqual(['###']);
    expect(m).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
  });
});
