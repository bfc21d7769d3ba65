/**
 * A 32-turn Claude Code session on /v1/messages to the `anthropic` provider with prompt caching
 * (system and tools in the 1-hour cache, the moving marker on the last message in the 5-minute
 * one), streamed turns with a JSON one every fifth, driven by @anthropic-ai/sdk: every turn leaves
 * one row, read back through /api/logs by its request id, whose tokens and cost are Anthropic's
 * usage at the model's prices (reads 0.1x, 5-minute writes 1.25x, 1-hour writes 2x the input
 * price); the admin API's totals for the key and its spend are the sum of the turns.
 */
import { afterAll, afterEach, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { api, apiLogRow, json, login, type Session } from '../helpers/admin-harness';
import { sseEventsResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { agentUpstream, anthropicMessage, messageEvents, runTurn, turnBody, turnCost, turnOf, turnUsage, type Turn } from './agent-session';

const TURNS = 32;
const MODEL = 'claude-sonnet-4-5';
let fake: FakeUpstream;
let gw: TestGateway;
let admin: Session;

beforeAll(async () => {
  fake = startFakeUpstream(agentUpstream(TURNS));
  gw = await startGateway({ env: providerEnv('anthropic', fake.url), storeLogs: true });
  admin = await login(gw, 'admin', 'test-admin-password');
});
afterEach(() => (fake.handler = agentUpstream(TURNS)));
afterAll(async () => {
  await gw.close();
  fake.close();
});

/** The model's prices as the admin API gives them (USD per 1M tokens). */
async function pricesOf() {
  const m = await json(await api(gw, 'GET', `/api/models/${MODEL}`, { as: admin }));
  return { input: m.input_price, cachedInput: m.cached_input_price, cacheWrite: m.cache_write_price, output: m.output_price };
}

test(`${TURNS} turns with tool_use and prompt caching: one row a turn, each cost exact, the admin totals their sum`, async () => {
  const prices = await pricesOf();
  // The documented multipliers: reads 0.1x, 5-minute writes 1.25x the input price.
  expect(prices.cachedInput).toBeCloseTo(prices.input * 0.1, 9);
  expect(prices.cacheWrite).toBeCloseTo(prices.input * 1.25, 9);

  const key = gw.addClient('agent-session');
  const client = new Anthropic({ apiKey: key.key, baseURL: gw.url, maxRetries: 0, timeout: 20_000 });
  const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Refactor every file under src/.' }];
  const turns: Turn[] = [];
  for (let t = 0; t < TURNS; t++) turns.push(await runTurn(client, MODEL, history, t % 5 === 4));

  expect(turns.at(-1)!.message.stop_reason).toBe('end_turn');
  expect(turns.slice(0, -1).every((x) => x.message.stop_reason === 'tool_use')).toBe(true);
  expect(new Set(turns.map((x) => x.requestId)).size).toBe(TURNS);
  // What reached Anthropic: the cache markers as the client set them, one on the last message only.
  const sent = fake.requests.at(-1)!.body;
  expect(sent.system[1].cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
  expect(sent.tools[1].cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
  expect(sent.messages).toHaveLength(2 * TURNS - 1);
  expect(sent.messages.flatMap((x: any) => x.content).filter((b: any) => b.cache_control)).toHaveLength(1);

  let sum = 0;
  for (const [t, turn] of turns.entries()) {
    const u = turnUsage(t);
    // The SDK's final message carries Anthropic's counts, the stream's merged as the JSON's.
    expect(turn.message.usage).toMatchObject({ input_tokens: u.input_tokens, cache_read_input_tokens: u.cache_read_input_tokens, cache_creation_input_tokens: u.cache_creation_input_tokens, output_tokens: u.output_tokens });
    const row = await apiLogRow(gw, admin, turn.requestId);
    expect({ t, ...row }).toMatchObject({
      t, endpoint: 'messages', status: 200, stream: t % 5 !== 4, model: MODEL, provider: 'anthropic',
      prompt_tokens: u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens,
      cached_tokens: u.cache_read_input_tokens, cache_write_tokens: u.cache_creation_input_tokens, completion_tokens: u.output_tokens,
    });
    expect(row.cost_usd).toBeCloseTo(turnCost(t, prices), 12);
    sum += row.cost_usd;
  }
  const expected = Array.from({ length: TURNS }, (_, t) => turnCost(t, prices)).reduce((a, b) => a + b, 0);
  expect(sum).toBeCloseTo(expected, 10);

  const summary = await json(await api(gw, 'GET', `/api/usage/summary?client_id=${key.id}`, { as: admin }));
  const tokens = (k: 'input_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens' | 'output_tokens') =>
    Array.from({ length: TURNS }, (_, t) => turnUsage(t)[k]).reduce((a, b) => a + b, 0);
  expect(summary).toMatchObject({
    requests: TURNS, errors: 0, cached_tokens: tokens('cache_read_input_tokens'), cache_write_tokens: tokens('cache_creation_input_tokens'),
    prompt_tokens: tokens('input_tokens') + tokens('cache_read_input_tokens') + tokens('cache_creation_input_tokens'), completion_tokens: tokens('output_tokens'),
  });
  expect(summary.cost_usd).toBeCloseTo(expected, 9);
  const keyInfo = await json(await api(gw, 'GET', `/api/clients/${key.id}`, { as: admin }));
  expect(keyInfo.spend_usd).toBeCloseTo(expected, 9);
}, 60_000);

test('Esc at turn 7 (stream.abort() mid-stream): one 499 row billing message_start\'s cache counts exactly and the text delivered; the session goes on', async () => {
  const prices = await pricesOf();
  const CUT = 7;
  // Turn CUT: Anthropic's events up to the first text delta, then silence until the gateway leaves.
  let cutSent = false;
  fake.handler = (req, rec, f) => {
    if (turnOf(rec.body) !== CUT || cutSent) return agentUpstream(TURNS)(req, rec, f);
    cutSent = true;
    const head = sseEventsResponse(messageEvents(anthropicMessage(CUT, false, rec.body.model)).slice(0, 3));
    const enc = new TextEncoder();
    return head.text().then((text) => new Response(new ReadableStream({ start: (c) => c.enqueue(enc.encode(text)), cancel: () => f.noteAbort() }), { headers: { 'content-type': 'text/event-stream' } }));
  };
  const key = gw.addClient('agent-abort');
  const client = new Anthropic({ apiKey: key.key, baseURL: gw.url, maxRetries: 0, timeout: 20_000 });
  const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Refactor every file under src/.' }];
  const done: Turn[] = [];
  for (let t = 0; t < CUT; t++) done.push(await runTurn(client, MODEL, history));
  const aborts = fake.aborts;
  const stream = client.messages.stream(turnBody(MODEL, history));
  let delivered = '';
  stream.on('text', (d) => {
    delivered += d;
    stream.abort();
  });
  expect(await stream.finalMessage().catch((e) => e)).toBeInstanceOf(Anthropic.APIUserAbortError);
  expect(delivered).toBe(`Reading file ${CUT}.`);
  await fake.waitForAbort(aborts + 1);
  const cutId = (await stream.withResponse()).response.headers.get('x-request-id')!;
  const cut = await apiLogRow(gw, admin, cutId);
  const u = turnUsage(CUT);
  expect(cut).toMatchObject({ status: 499, error: expect.stringContaining('client'), prompt_tokens: u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens, cached_tokens: u.cache_read_input_tokens, cache_write_tokens: u.cache_creation_input_tokens });
  expect(cut.completion_tokens).toBeGreaterThan(0);
  expect(cut.completion_tokens).toBeLessThan(20);
  const promptUsd = turnCost(CUT, prices) - (u.output_tokens * prices.output) / 1e6;
  expect(cut.cost_usd).toBeCloseTo(promptUsd + (cut.completion_tokens * prices.output) / 1e6, 12);
  // Claude Code then says it was interrupted, and the session goes on: the next turn is served, one row.
  history.push({ role: 'user', content: [{ type: 'text', text: '[Request interrupted by user]' }] });
  const next = await runTurn(client, MODEL, history);
  expect(next.message.stop_reason).toBe('tool_use');
  expect((await apiLogRow(gw, admin, next.requestId)).status).toBe(200);
  const summary = await json(await api(gw, 'GET', `/api/usage/summary?client_id=${key.id}`, { as: admin }));
  expect(summary).toMatchObject({ requests: CUT + 2, errors: 1 });
  const rows = [...done.map((d) => d.requestId), cutId, next.requestId];
  let sum = 0;
  for (const id of rows) sum += (await apiLogRow(gw, admin, id)).cost_usd;
  expect(summary.cost_usd).toBeCloseTo(sum, 9);
}, 60_000);
