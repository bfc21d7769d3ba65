/**
 * Claude Code sessions (test/messages/agent-session.ts: a tool loop with prompt caching, max_tokens
 * 32,000 a turn) under a key's limits, driven by @anthropic-ai/sdk with its retries on, as Claude
 * Code runs: a budget that runs out mid-session stops the loop with one Anthropic 429 the SDK does
 * not retry, never overspent, also with several loops of one key at once; RPM and TPM limits met
 * mid-loop (a TPM below the 32,000 ceiling too) are waited out by the SDK's retry; count_tokens counts
 * in the RPM window and spends nothing.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { agentUpstream, runTurn, turnBody, turnCost, type Turn } from '../messages/agent-session';
import { limitedClient, type LimitsRig } from './limits-helpers';
import { startMessagesRig, type MessagesRig } from './messages-budget-cap';
import { models } from '../../src/db/schema';
import { eq } from 'drizzle-orm';

setDefaultTimeout(60_000);
const MODEL = 'claude-sonnet-4-5';
const TURNS = 40;
let rig: MessagesRig;
let prices: { input: number; cachedInput: number; cacheWrite: number; output: number };

beforeAll(async () => {
  rig = await startMessagesRig();
  rig.anthropic.handler = agentUpstream(TURNS);
  const m = rig.gw.ctx.db.select().from(models).where(eq(models.id, MODEL)).get()!;
  prices = { input: m.inputPrice, cachedInput: m.cachedInputPrice!, cacheWrite: m.cacheWritePrice!, output: m.outputPrice };
});
afterAll(() => rig.close());

/** The SDK as Claude Code configures it (retries on); `seen` gets each HTTP exchange's status, retries included. */
function claudeCode(r: LimitsRig, key: string, seen: number[] = [], onResponse?: (res: Response) => void): Anthropic {
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await globalThis.fetch(input, init);
    seen.push(res.status);
    onResponse?.(res);
    return res;
  };
  return new Anthropic({ apiKey: key, baseURL: r.gw.url, maxRetries: 3, timeout: 20_000, fetch });
}

/** Runs turns until one fails; the turns served and the error that stopped the loop (null: it finished). */
async function loop(client: Anthropic, onTurn?: (t: number) => void, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}): Promise<{ turns: Turn[]; error: any }> {
  const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Refactor every file under src/.' }];
  const turns: Turn[] = [];
  try {
    for (let t = 0; t < TURNS; t++) {
      onTurn?.(t);
      turns.push(await runTurn(client, MODEL, history, t % 3 === 2, extra));
    }
    return { turns, error: null };
  } catch (error) {
    return { turns, error };
  }
}

const spendOf = (id: number, budget: number) =>
  rig.gw.ctx.limits.counters.spend({ key: `c:${id}`, label: '', allow: null, budgetUsd: budget, period: 'total', rpm: null, tpm: null, maxParallel: null }, rig.clock.now);

test('a budget that runs out mid-session: every turn capped below 32,000 and exact, then one 429 rate_limit_error the SDK does not retry; never overspent', async () => {
  const budget = 0.2;
  const c = await limitedClient(rig.gw, 'agent-budget', { budgetUsd: budget, budgetPeriod: 'total' });
  const seen: number[] = [];
  const from = rig.anthropic.requests.length;
  // Claude Code's extended thinking: budget_tokens 31,999 of max_tokens 32,000, signed thinking sent back each turn.
  const { turns, error } = await loop(claudeCode(rig, c.key, seen), undefined, { thinking: { type: 'enabled', budget_tokens: 31_999 } });
  // Ran a while, and stopped on the budget, not at the end of the session.
  expect(turns.length).toBeGreaterThan(5);
  expect(turns.length).toBeLessThan(TURNS);
  expect(error).toBeInstanceOf(Anthropic.RateLimitError);
  expect(error.status).toBe(429);
  expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  expect(error.error.error.message).toContain('Budget exceeded');
  expect(error.headers.get('x-should-retry')).toBe('false');
  // One exchange a turn served, and one for the refusal: the SDK did not retry it.
  expect(seen).toEqual([...turns.map(() => 200), 429]);
  // Each turn Anthropic was sent at most the client's ceiling; once the budget left could not hold it, less.
  const bodies = rig.anthropic.requests.slice(from).map((r) => r.body);
  const sent = bodies.map((b) => b.max_tokens as number);
  expect(sent).toHaveLength(turns.length);
  expect(sent.every((n) => n <= 32_000)).toBe(true);
  expect(sent.at(-1)).toBeLessThan(32_000);
  // Thinking stayed on every turn (streamed ones included), its budget fitted below each cut: at least 1,024.
  for (const b of bodies) {
    expect(b.thinking.type).toBe('enabled');
    expect(b.thinking.budget_tokens).toBeLessThan(b.max_tokens);
    expect(b.thinking.budget_tokens).toBeGreaterThanOrEqual(1_024);
  }
  expect(turns.every((x) => x.message.content[0]!.type === 'thinking')).toBe(true);
  let spent = 0;
  for (const [t, turn] of turns.entries()) {
    const row = await rig.gw.waitForRow(turn.requestId);
    expect(row.status).toBe(200);
    expect(row.costUsd).toBeCloseTo(turnCost(t, prices), 12);
    spent += row.costUsd;
  }
  const refused = await rig.gw.waitForRow({ requestID: error.requestID });
  expect([refused.status, refused.errorType, refused.costUsd]).toEqual([429, 'budget_exceeded', 0]);
  expect(spent).toBeLessThanOrEqual(budget);
  expect(await spendOf(c.id, budget)).toBeCloseTo(spent, 9);
  // Counting costs nothing, so the spent budget still lets the client count (Claude Code does before compacting).
  const { model, system, tools, messages } = turnBody(MODEL, [{ role: 'user', content: 'Refactor every file under src/.' }]);
  const counted = await claudeCode(rig, c.key).messages.countTokens({ model, system, tools, messages }).withResponse();
  expect(counted.data.input_tokens).toBe(5_000);
  expect((await rig.gw.waitForRow(counted.response)).costUsd).toBe(0);
});

test('four sessions of one key at once: the budget is never overspent; refusals are Anthropic 429s and every request leaves one row', async () => {
  const budget = 0.25;
  const c = await limitedClient(rig.gw, 'agent-parallel', { budgetUsd: budget, budgetPeriod: 'total' });
  const seen: number[] = [];
  const results = await Promise.all(Array.from({ length: 4 }, () => loop(claudeCode(rig, c.key, seen))));
  const served = results.flatMap((r) => r.turns);
  expect(served.length).toBeGreaterThan(4);
  for (const r of results) {
    expect(r.error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(r.error.error.error.type).toBe('rate_limit_error');
  }
  let spent = 0;
  for (const turn of served) spent += (await rig.gw.waitForRow(turn.requestId)).costUsd;
  expect(spent).toBeLessThanOrEqual(budget + 1e-12);
  expect(await spendOf(c.id, budget)).toBeCloseTo(spent, 9);
  // Every exchange (the SDK's retries of a budget held by another session's turn included) left one row.
  const rows = await rig.gw.waitForClientRows(c.id, seen.length);
  expect(rows).toHaveLength(seen.length);
  expect(rows.filter((r) => r.status === 429).every((r) => r.errorType === 'budget_exceeded' && r.costUsd === 0)).toBe(true);
});

test('an RPM limit met mid-session: the SDK waits out retry-after-ms and the loop goes on to its end', async () => {
  const c = await limitedClient(rig.gw, 'agent-rpm', { rpm: 10 });
  const seen: number[] = [];
  const waits: number[] = [];
  // The limits clock is the test's: a turn takes 5.95 s of it (the 11th of a minute then waits about
  // half a second, real time), and the SDK's wait passes there too.
  const client = claudeCode(rig, c.key, seen, (res) => {
    if (res.status !== 429) return;
    const ms = Number(res.headers.get('retry-after-ms'));
    expect(res.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    waits.push(ms);
    rig.clock.now += ms;
  });
  const { turns, error } = await loop(client, () => (rig.clock.now += 5_950));
  expect(error).toBeNull();
  expect(turns).toHaveLength(TURNS);
  expect(waits.length).toBeGreaterThan(0);
  expect(waits.every((ms) => ms > 0 && ms <= 6_000)).toBe(true);
  expect(seen.filter((s) => s === 429)).toHaveLength(waits.length);
  const rows = await rig.gw.waitForClientRows(c.id, seen.length);
  expect(rows.filter((r) => r.status === 429).every((r) => r.errorType === 'rate_limit_exceeded')).toBe(true);
  for (const turn of turns) expect((await rig.gw.waitForRow(turn.requestId)).status).toBe(200);
});

/**
 * A whole session of a key with `tpm`, a turn taking `stepMs` of the limits clock, every turn served
 * (the SDK's retries included). Time compressed: the limits clock moves the whole wait the gateway
 * asks for (up to half a minute: a turn's reservation holds its output ceiling until it settles), the
 * SDK is handed 1 ms of it (that it waits out retry-after-ms as given is the RPM test's above).
 */
async function tpmSession(name: string, tpm: number, stepMs: number): Promise<{ waits: number[]; sent: number[] }> {
  const c = await limitedClient(rig.gw, name, { tpm });
  const seen: number[] = [];
  const waits: number[] = [];
  const from = rig.anthropic.requests.length;
  const client = claudeCode(rig, c.key, seen, (res) => {
    if (res.status !== 429) return;
    waits.push(Number(res.headers.get('retry-after-ms')));
    expect(res.headers.get('x-should-retry')).toBeNull();
    expect(res.headers.get('anthropic-ratelimit-tokens-limit')).toBe(String(tpm));
    rig.clock.now += waits.at(-1)!;
    res.headers.set('retry-after-ms', '1');
  });
  const { turns, error } = await loop(client, () => (rig.clock.now += stepMs));
  expect(error).toBeNull();
  expect(turns).toHaveLength(TURNS);
  const rows = await rig.gw.waitForClientRows(c.id, seen.length);
  expect(rows.filter((r) => r.status === 429).every((r) => r.errorType === 'rate_limit_exceeded')).toBe(true);
  return { waits, sent: rig.anthropic.requests.slice(from).map((r) => r.body.max_tokens as number) };
}

test("a TPM limit met mid-session (32,000 reserved a turn, settled to the turn's tokens): the SDK waits it out and the loop goes on to its end", async () => {
  const { waits } = await tpmSession('agent-tpm', 120_000, 3_000);
  expect(waits.length).toBeGreaterThan(0);
});

test("a TPM below Claude Code's max_tokens (30,000 < 32,000 a turn): served, max_tokens sent as asked, reserved as far as the window has room", async () => {
  const { sent } = await tpmSession('agent-small-tpm', 30_000, 20_000);
  expect(sent.every((n) => n === 32_000)).toBe(true);
});

test('count_tokens counts as a request in the RPM window (it is one, and may call the provider) and says so in its rate headers', async () => {
  const c = await limitedClient(rig.gw, 'agent-count-rpm', { rpm: 3 });
  const client = new Anthropic({ apiKey: c.key, baseURL: rig.gw.url, maxRetries: 0 });
  const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Refactor every file under src/.' }];
  const { model, system, tools, messages } = turnBody(MODEL, history);
  const counted = await client.messages.countTokens({ model, system, tools, messages }).withResponse();
  expect(counted.response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('2');
  await runTurn(client, MODEL, history);
  await client.messages.countTokens({ model, system, tools, messages: turnBody(MODEL, history).messages });
  const err = await runTurn(client, MODEL, history).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.RateLimitError);
  expect(err.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
  expect((await rig.gw.waitForRow({ requestID: err.requestID })).errorType).toBe('rate_limit_exceeded');
});

test('count_tokens between turns under a budget: answered, its rows cost nothing, the spend is the turns alone', async () => {
  const budget = 5;
  const c = await limitedClient(rig.gw, 'agent-count', { budgetUsd: budget, budgetPeriod: 'total' });
  const client = claudeCode(rig, c.key);
  {
    const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Refactor every file under src/.' }];
    let spent = 0;
    for (let t = 0; t < 6; t++) {
      const { model, system, tools, messages } = turnBody(MODEL, history);
      const { data, response } = await client.messages.countTokens({ model, system, tools, messages }).withResponse();
      expect(data.input_tokens).toBe(5_000 + t);
      const countRow = await rig.gw.waitForRow(response);
      expect([countRow.endpoint, countRow.status, countRow.costUsd]).toEqual(['count_tokens', 200, 0]);
      spent += (await rig.gw.waitForRow((await runTurn(client, MODEL, history)).requestId)).costUsd;
    }
    expect(await spendOf(c.id, budget)).toBeCloseTo(spent, 9);
  }
});
