/**
 * DeepSeek thinking models need an assistant tool-call turn's reasoning_content sent back; the
 * official openai client drops it when a caller rebuilds the message from typed fields. The
 * gateway remembers it by tool call id (non-stream and stream) and fills it in upstream.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type OpenAI from 'openai';
import { MAX_KEY_CHARS, MAX_REASONING_CHARS, ReasoningMemory } from '../../src/providers/openai-compatible/reasoning-memory';
import { fixtureText, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { secondTurn, USER_TURN as user, WEATHER_TOOLS as tools } from '../helpers/weather-tool-loop';

setDefaultTimeout(30_000);

const REASONING = 'I need the weather for both cities, so I call the tool twice.';
const FIXTURE_IDS = ['call_0_7c1e4a2b-1f3d-4c5e-8a9b-0c1d2e3f4a5b', 'call_1_9d2f5b3c-2a4e-4d6f-9b0c-1d2e3f4a5b6c'];

/** Fixture text with fresh tool call ids, so no case sees what another one made the gateway remember. */
function freshIds(text: string): { text: string; ids: string[] } {
  const ids = FIXTURE_IDS.map((id) => `${id.slice(0, 7)}${crypto.randomUUID()}`);
  FIXTURE_IDS.forEach((id, i) => (text = text.replaceAll(id, ids[i]!)));
  return { text, ids };
}

let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
/** What the fake answers to a first turn (no tool results yet); a turn with tool results gets chat.json. */
let firstTurn: () => Response;
beforeAll(async () => {
  fake = startFakeUpstream((_req, rec) =>
    rec.body.messages.some((m: any) => m.role === 'tool') ? jsonResponse(JSON.parse(fixtureText('deepseek', 'chat.json'))) : firstTurn(),
  );
  gw = await startGateway({ env: providerEnv('deepseek', `${fake.url}/v1`) });
  client = gw.openai();
});
afterAll(async () => {
  await gw.close();
  fake.close();
});


/** Turn 1 non-stream from tools.json (deepseek-reasoner: reasoning_content + two tool calls). */
function nonStreamFirstTurn(): string[] {
  const { text, ids } = freshIds(fixtureText('deepseek', 'tools.json'));
  firstTurn = () => jsonResponse(JSON.parse(text));
  return ids;
}

/** Turn 1 streamed from reasoner-tools.chunks.txt (reasoning deltas, then tool call deltas). */
function streamFirstTurn(): string[] {
  const { text, ids } = freshIds(readChunks('deepseek', 'reasoner-tools.chunks.txt').join('\n'));
  firstTurn = () => sseResponse(text.split('\n'));
  return ids;
}

const sentAssistant = () => fake.last().body.messages.find((m: any) => m.role === 'assistant');

describe('DeepSeek reasoning_content on tool-call turns', () => {
  test('non-stream: turn 2 sent without reasoning_content reaches DeepSeek with it filled in', async () => {
    const ids = nonStreamFirstTurn();
    const r1 = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: [user], tools });
    const calls = r1.choices[0]!.message.tool_calls as any[];
    expect(calls.map((c) => c.id)).toEqual(ids);
    const messages = secondTurn(calls);
    expect('reasoning_content' in messages[1]).toBe(false);
    const r2 = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages, tools });
    expect(r2.choices[0]!.finish_reason).toBe('stop');
    expect(sentAssistant()).toMatchObject({ role: 'assistant', reasoning_content: REASONING, tool_calls: [{ id: ids[0] }, { id: ids[1] }] });
    // The rest of the history goes up as the client wrote it.
    expect(fake.last().body.messages.slice(2)).toEqual(messages.slice(1).map((m) => (m.role === 'assistant' ? { ...m, reasoning_content: REASONING } : m)));
  });

  test('stream: reasoning deltas are gathered and filled in on turn 2', async () => {
    const ids = streamFirstTurn();
    const stream = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: [user], tools, stream: true });
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
    expect(calls.map((c) => c.id)).toEqual(ids);
    expect(calls[1].function.arguments).toBe('{"city": "Tokyo"}');
    const turn2 = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: secondTurn(calls), tools });
    expect(turn2.choices[0]!.message.content).toBeTruthy();
    expect(sentAssistant().reasoning_content).toBe(REASONING);
  });

  // DeepSeek V4's thinking-mode guide: between two user turns with a tool call, every assistant
  // turn's reasoning_content goes back in all later turns, the answer after the tool results too
  // (else its 400 "The `reasoning_content` in the thinking mode must be passed back to the API.").
  const assistantsSent = () => fake.last().body.messages.filter((m: any) => m.role === 'assistant');
  const nextUserTurn = (messages: any[], answer: string) => [...messages, { role: 'assistant', content: answer }, { role: 'user', content: 'And tomorrow?' }];

  test('non-stream: the answer after the tool results gets its reasoning back in the next user turn', async () => {
    nonStreamFirstTurn();
    const r1 = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: [user], tools });
    const messages = secondTurn(r1.choices[0]!.message.tool_calls as any[]);
    const r2 = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages, tools });
    expect((r2.choices[0]!.message as any).reasoning_content).toBe('The user greets me.');
    await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: nextUserTurn(messages, r2.choices[0]!.message.content!), tools });
    expect(assistantsSent().map((m: any) => m.reasoning_content)).toEqual([REASONING, 'The user greets me.']);
  });

  test('stream: the streamed answer after the tool results is remembered the same way', async () => {
    const saved = fake.handler;
    fake.handler = (req, rec, f) => (rec.body.stream && rec.body.messages.some((m: any) => m.role === 'tool') ? sseResponse(readChunks('deepseek', 'text.chunks.txt')) : saved(req, rec, f));
    try {
      nonStreamFirstTurn();
      const r1 = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: [user], tools });
      const messages = secondTurn(r1.choices[0]!.message.tool_calls as any[]);
      let answer = '';
      for await (const c of await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages, tools, stream: true })) answer += c.choices[0]?.delta.content ?? '';
      await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: nextUserTurn(messages, answer), tools });
      expect(assistantsSent().map((m: any) => m.reasoning_content)).toEqual([REASONING, 'The user greets me.']);
    } finally {
      fake.handler = saved;
    }
  });

  test('a plain answer that followed no tool result gets nothing added', async () => {
    await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: [user, { role: 'assistant', content: 'Sunny.' }, { role: 'user', content: 'Thanks' }] });
    expect('reasoning_content' in sentAssistant()).toBe(false);
  });

  test("a client that sends its own reasoning_content keeps its own", async () => {
    const r1Ids = nonStreamFirstTurn();
    const r1 = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: [user], tools });
    const calls = r1.choices[0]!.message.tool_calls as any[];
    expect(calls.map((c) => c.id)).toEqual(r1Ids);
    await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: secondTurn(calls, { reasoning_content: 'My own notes.' }), tools });
    expect(sentAssistant().reasoning_content).toBe('My own notes.');
  });

  test('tool call ids the gateway never answered: an empty reasoning_content in thinking mode (none invented), nothing otherwise', async () => {
    const calls = [{ id: `call_0_${crypto.randomUUID()}`, function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }];
    await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: secondTurn(calls), tools });
    expect(sentAssistant().reasoning_content).toBe('');
    await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: secondTurn(calls), tools });
    expect('reasoning_content' in sentAssistant()).toBe(false);
  });

  test('a deepseek-chat tool stream without reasoning remembers nothing', async () => {
    const { text, ids } = freshIds(readChunks('deepseek', 'tools.chunks.txt').join('\n'));
    firstTurn = () => sseResponse(text.split('\n'));
    const stream = await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: [user], tools, stream: true });
    for await (const _ of stream);
    const calls = ids.map((id) => ({ id, function: { name: 'get_weather', arguments: '{}' } }));
    await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: secondTurn(calls), tools });
    expect('reasoning_content' in sentAssistant()).toBe(false);
  });
});

describe('memory keys of what clients send', () => {
  // The answer after a tool result is remembered under the result's tool_call_id, which the client
  // chooses: its length must not grow the memory past what the reasoning bound counts.
  test("the client's own long tool_call_ids are not kept as keys, whatever their number", async () => {
    const memory = (gw.ctx.adapterDeps.reasoning as any).byCallId as Map<string, unknown>;
    const keyChars = () => [...memory.keys()].reduce((n, k) => n + k.length, 0);
    const before = keyChars();
    for (let i = 0; i < 30; i++) {
      const id = `call_${i}_${'x'.repeat(64 * 1024)}`;
      const r = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: secondTurn([{ id, function: { name: 'get_weather', arguments: '{}' } }]), tools });
      expect((r.choices[0]!.message as any).reasoning_content).toBe('The user greets me.');
    }
    for (const k of memory.keys()) expect(k.length).toBeLessThanOrEqual(MAX_KEY_CHARS);
    expect(keyChars() - before).toBeLessThan(30 * MAX_KEY_CHARS);
  });
});

describe('ReasoningMemory bounds', () => {
  test('keeps at most max ids, dropping the oldest, and forgets after the TTL', () => {
    let now = 0;
    const m = new ReasoningMemory(3, 1000, () => now);
    m.remember(['a', 'b'], 'r1');
    m.remember(['c', 'd'], 'r2');
    expect(m.size).toBe(3);
    expect(m.recall('a')).toBeUndefined();
    expect(m.recall('b')).toBe('r1');
    expect(m.recall('d')).toBe('r2');
    now = 1001;
    expect(m.recall('d')).toBeUndefined();
  });
});

describe('ReasoningMemory size bound', () => {
  test('the reasoning held stays within the default size bound however long each turn thinks; a turn is counted once', () => {
    const m = new ReasoningMemory();
    // 1,000 turns of 200 KB reasoning: under the count bound (10k ids), ~200 MB without a size bound.
    const long = 'r'.repeat(200_000);
    for (let i = 0; i < 1000; i++) m.remember([`call_${i}_a`, `call_${i}_b`, `call_${i}_a`], `${i}:${long}`);
    expect(m.heldChars).toBeLessThanOrEqual(MAX_REASONING_CHARS);
    expect(m.heldChars).toBeGreaterThan(MAX_REASONING_CHARS - 200_010);
    expect(m.size).toBe(2 * Math.floor(m.heldChars / (long.length + 4)));
    expect(m.recall('call_999_b')?.startsWith('999:')).toBe(true);
    expect(m.recall('call_0_a')).toBeUndefined();
  });

  test('one reasoning over the bound is kept alone, and the size follows ids replaced and expired', () => {
    let now = 0;
    const m = new ReasoningMemory(100, 1000, () => now, 20);
    m.remember(['a'], 'four');
    m.remember(['b', 'c'], 'this is twenty-three');
    // Over the bound alone: kept (the newest turn always is), the older one goes.
    expect(m.size).toBe(2);
    expect(m.heldChars).toBe(20);
    expect(m.recall('a')).toBeUndefined();
    m.remember(['b'], 'six');
    // Over the bound again: the oldest id goes (c), and with it the turn nothing names now.
    expect(m.heldChars).toBe(3);
    expect(m.recall('c')).toBeUndefined();
    m.remember(['d', 'e'], 'ten chars!');
    m.remember(['d'], 'two');
    // e still names its turn's reasoning: it counts once, with d's new one.
    expect(m.heldChars).toBe(16);
    now = 1001;
    for (const id of ['b', 'd', 'e']) expect(m.recall(id)).toBeUndefined();
    expect(m.heldChars).toBe(0);
    expect(m.size).toBe(0);
  });
});
