/**
 * Kimi's thinking models (kimi-k2.6 thinks by default, kimi-k2-thinking always) answer 400
 * "thinking is enabled but reasoning_content is missing in assistant tool call message at index N"
 * when a tool loop's assistant turn comes back without its reasoning_content, which the official
 * openai client drops when a caller rebuilds the message from typed fields. The gateway remembers
 * it (non-stream and stream) and fills it in, as for DeepSeek. Kimi's call ids are counters within
 * a conversation (`functions.get_weather:0`), the same in everyone's first turn, so what one client
 * key's turns left is never filled into another key's request.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type OpenAI from 'openai';
import { fixtureText, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { secondTurn, USER_TURN as user, WEATHER_TOOLS as tools } from '../helpers/weather-tool-loop';

setDefaultTimeout(30_000);

const REASONING = 'The user wants the weather in Paris and Tokyo. I will call get_weather for each city.';
const MODEL = 'moonshot/kimi-k2.6';

/**
 * Kimi's check in thinking mode, as its API words it: every assistant tool-call message needs the
 * field (an empty one passes: clients that never saw a turn's reasoning send "" for it).
 */
function kimiRefusal(body: any): Response | null {
  if (body.thinking?.type === 'disabled') return null;
  const messages: any[] = body.messages;
  const i = messages.findIndex((m) => m.role === 'assistant' && Array.isArray(m.tool_calls) && typeof m.reasoning_content !== 'string');
  if (i < 0) return null;
  return jsonResponse({ error: { message: `thinking is enabled but reasoning_content is missing in assistant tool call message at index ${i}`, type: 'invalid_request_error' } }, 400);
}

let fake: FakeUpstream;
let gw: TestGateway;
/** What the fake answers to a first turn (no tool results yet); a later turn gets chat.json. */
let firstTurn: () => Response;
beforeAll(async () => {
  fake = startFakeUpstream((_req, rec) => {
    if (!rec.body.messages.some((m: any) => m.role === 'tool')) return firstTurn();
    return kimiRefusal(rec.body) ?? jsonResponse(JSON.parse(fixtureText('moonshot', 'chat.json')));
  });
  gw = await startGateway({ env: providerEnv('moonshot', `${fake.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

/** A client key of its own: Kimi's call ids repeat, so each case starts from a key nothing was remembered for. */
const freshClient = (): OpenAI => gw.openai(gw.addClient(`kimi-${crypto.randomUUID()}`).key);


const sentAssistant = () => fake.last().body.messages.find((m: any) => m.role === 'assistant');

async function nonStreamTurn(client: OpenAI) {
  firstTurn = () => jsonResponse(JSON.parse(fixtureText('moonshot', 'thinking-tools.json')));
  const r1 = await client.chat.completions.create({ model: MODEL, messages: [user], tools });
  return r1.choices[0]!.message.tool_calls as any[];
}

describe('Moonshot (Kimi) reasoning_content on tool-call turns', () => {
  test('non-stream: turn 2 sent without reasoning_content reaches Kimi with it filled in', async () => {
    const client = freshClient();
    const calls = await nonStreamTurn(client);
    expect(calls.map((c) => c.id)).toEqual(['functions.get_weather:0', 'functions.get_weather:1']);
    const r2 = await client.chat.completions.create({ model: MODEL, messages: secondTurn(calls), tools });
    expect(r2.choices[0]!.message.content).toBe('Hello! How can I help?');
    expect(sentAssistant()).toMatchObject({ role: 'assistant', reasoning_content: REASONING, tool_calls: [{ id: calls[0].id }, { id: calls[1].id }] });
  });

  test('stream: reasoning deltas are gathered and filled in on turn 2', async () => {
    const client = freshClient();
    firstTurn = () => sseResponse(readChunks('moonshot', 'thinking-tools.chunks.txt'));
    const stream = await client.chat.completions.create({ model: MODEL, messages: [user], tools, stream: true });
    const calls: any[] = [];
    let reasoning = '';
    for await (const chunk of stream) {
      const delta: any = chunk.choices[0]?.delta;
      if (typeof delta?.reasoning_content === 'string') reasoning += delta.reasoning_content;
      for (const tc of delta?.tool_calls ?? []) {
        calls[tc.index] ??= { id: tc.id, function: { name: tc.function?.name ?? '', arguments: '' } };
        calls[tc.index].function.arguments += tc.function?.arguments ?? '';
      }
    }
    expect(reasoning).toBe(REASONING); // the client saw the reasoning unchanged
    const r2 = await client.chat.completions.create({ model: MODEL, messages: secondTurn(calls), tools });
    expect(r2.choices[0]!.message.content).toBeTruthy();
    expect(sentAssistant().reasoning_content).toBe(REASONING);
  });

  test("another client key's turn with the same call ids gets none of its reasoning: an empty reasoning_content, which Kimi takes", async () => {
    const calls = await nonStreamTurn(freshClient());
    const r2 = await freshClient().chat.completions.create({ model: MODEL, messages: secondTurn(calls), tools });
    expect(r2.choices[0]!.message.content).toBe('Hello! How can I help?');
    expect(sentAssistant().reasoning_content).toBe('');
  });

  test('with thinking disabled nothing is added to a turn the gateway holds no reasoning for', async () => {
    const calls = await nonStreamTurn(freshClient());
    await freshClient().chat.completions.create({ model: MODEL, messages: secondTurn(calls), tools, thinking: { type: 'disabled' } } as any);
    expect('reasoning_content' in sentAssistant()).toBe(false);
  });

  test('a client that sends its own reasoning_content keeps its own', async () => {
    const client = freshClient();
    const calls = await nonStreamTurn(client);
    await client.chat.completions.create({ model: MODEL, messages: secondTurn(calls, { reasoning_content: 'My own notes.' }), tools });
    expect(sentAssistant().reasoning_content).toBe('My own notes.');
  });
});
