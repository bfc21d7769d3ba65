/**
 * /v1/messages under a small budget (shared by the in-memory and the Redis test files): Anthropic's
 * API requires max_tokens and clients send a large ceiling (Claude Code 32,000), so a key whose
 * budget cannot hold it would be refused on every turn though a shorter answer fits. The gateway
 * takes the client's max_tokens as a ceiling and sends each target the most its budget holds at
 * that target's prices (a thinking budget lowered below it), natively to Anthropic and translated
 * to the others; the answer stops with `max_tokens`. The fakes write every token they are allowed,
 * the worst case, so a row costs as much as the cap lets it. Driven with @anthropic-ai/sdk.
 */
import { expect } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { models, modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseEventsResponse, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv } from '../helpers/start-gateway';
import { capOf, writesAllItMay } from './budget-output-cap';
import { limitedClient, makeTeam, startLimitsRig, type LimitsRig } from './limits-helpers';
import type { GatewayOptions } from '../helpers/start-gateway';

/** Claude Opus 4.1's list prices (USD per 1M tokens). */
const OPUS_IN = 15;
const OPUS_OUT = 75;
/** What Claude Code asks for on every turn. */
const CEILING = 32_000;

export interface MessagesRig extends LimitsRig {
  anthropic: FakeUpstream;
}

/** Anthropic's answer with as many output tokens as max_tokens allows (stop_reason `max_tokens`). */
function writesAllMessage(rec: RecordedRequest) {
  const msg = { ...fixtureJson('anthropic', 'text.json'), model: rec.body.model, stop_reason: 'max_tokens' };
  msg.usage = { ...msg.usage, output_tokens: rec.body.max_tokens as number };
  return msg;
}

/** The same answer as Anthropic streams it: message_start and a first delta, then the rest. */
function writesAllEvents(rec: RecordedRequest): { event: string; data: string }[] {
  const msg = writesAllMessage(rec);
  const ev = (event: string, data: unknown) => ({ event, data: JSON.stringify({ type: event, ...(data as object) }) });
  return [
    ev('message_start', { message: { ...msg, content: [], stop_reason: null, usage: { ...msg.usage, output_tokens: 1 } } }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Once upon a time' } }),
    ev('content_block_stop', { index: 0 }),
    ev('message_delta', { delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: msg.usage.output_tokens } }),
    ev('message_stop', {}),
  ];
}

/** A fake Anthropic that answers with as many output tokens as max_tokens allows (stop_reason `max_tokens`), JSON or SSE. */
export const anthropicWritesAllItMay: FakeHandler = (_req, rec) => (rec.body.stream ? sseEventsResponse(writesAllEvents(rec)) : jsonResponse(writesAllMessage(rec)));

/** A streamed answer as anthropicWritesAllItMay's, its first events sent at once and the rest once `gate` resolves (a long turn). */
function heldStream(rec: RecordedRequest, gate: Promise<void>): Response {
  const enc = new TextEncoder();
  const sse = (p: { event: string; data: string }) => enc.encode(`event: ${p.event}\ndata: ${p.data}\n\n`);
  const events = writesAllEvents(rec);
  const body = new ReadableStream<Uint8Array>({
    async start(ctl) {
      for (const e of events.slice(0, 3)) ctl.enqueue(sse(e));
      await gate;
      for (const e of events.slice(3)) ctl.enqueue(sse(e));
      ctl.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

/** The fake OpenAI of budget-output-cap.ts, streaming too: its last chunks say `length` and every completion token it was allowed. */
const openaiWritesAllItMay: FakeHandler = (req, rec, fake) => {
  if (!rec.body.stream) return writesAllItMay(req, rec, fake);
  const cap = capOf(rec.body)!;
  const chunks = readChunks('openai', 'text.chunks.txt').map((p) => {
    if (p === '[DONE]') return p;
    const c = JSON.parse(p);
    if (c.choices[0]?.finish_reason) c.choices[0].finish_reason = 'length';
    if (c.usage) c.usage = { ...c.usage, completion_tokens: cap, total_tokens: c.usage.prompt_tokens + cap };
    return JSON.stringify(c);
  });
  return sseResponse(chunks);
};

/** The limits rig plus a fake Anthropic, Claude Opus 4.1 as lim-opus, and lim-fallback (lim-opus, then lim-model on OpenAI). */
export async function startMessagesRig(options: Omit<GatewayOptions, 'limitsClock'> = {}): Promise<MessagesRig> {
  const anthropic = startFakeUpstream(anthropicWritesAllItMay);
  const rig = await startLimitsRig({ ...options, env: { ...providerEnv('anthropic', anthropic.url), ...options.env } });
  const now = Date.now();
  rig.gw.ctx.db.insert(models).values({ id: 'lim-opus', provider: 'anthropic', upstreamId: 'claude-opus-4-1-20250805', inputPrice: OPUS_IN, outputPrice: OPUS_OUT, contextWindow: 200_000, maxOutputTokens: 32_000, updatedAt: now }).run();
  rig.gw.ctx.db.insert(modelGroups).values({ name: 'lim-fallback', strategy: 'heuristic', targets: ['lim-opus', 'lim-model'], updatedAt: now }).run();
  rig.gw.ctx.state.reload();
  rig.fake.handler = openaiWritesAllItMay;
  return { ...rig, anthropic, close: async () => (await rig.close(), anthropic.close()) };
}

const sdk = (rig: LimitsRig, key: string) => new Anthropic({ apiKey: key, baseURL: rig.gw.url, maxRetries: 0, timeout: 20_000 });
const hi = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: CEILING, messages: [{ role: 'user' as const, content: 'Hello' }], ...extra });
const scopeOf = (id: number, budget: number) => ({ key: `c:${id}`, label: '', allow: null, budgetUsd: budget, period: 'total' as const, rpm: null, tpm: null, maxParallel: null });

/**
 * A $1 key on Claude Opus (32,000 tokens cost $2.40) asks max_tokens 32,000, with messages.create
 * and messages.stream: answered, Anthropic was sent the max_tokens half of $1 holds (~6,600: a
 * lowered reservation takes half the room, so a turn beside it is not refused), the answer stops
 * with `max_tokens`, each row within what was left, the key's spend within its budget.
 */
export async function opusCeilingCapped(rig: MessagesRig, name: string): Promise<void> {
  rig.clock.now += 3_600_000;
  const budget = 1;
  const c = await limitedClient(rig.gw, name, { budgetUsd: budget, budgetPeriod: 'total' });
  const client = sdk(rig, c.key);
  const from = rig.anthropic.requests.length;
  const { data, response } = await client.messages.create(hi('lim-opus')).withResponse();
  const sent = rig.anthropic.requests.slice(from).map((r) => r.body.max_tokens as number);
  expect(sent).toHaveLength(1);
  // Half of $1 less the prompt's ceiling, at $75 per 1M output tokens (and the US-only inference premium): ~6,600.
  expect(sent[0]).toBeGreaterThan(5_000);
  expect(sent[0]).toBeLessThan(6_700);
  expect(data.stop_reason).toBe('max_tokens');
  expect(data.usage.output_tokens).toBe(sent[0]!);
  const first = await rig.gw.waitForRow(response);
  expect(first.status).toBe(200);
  expect(first.costUsd).toBeLessThanOrEqual(budget);
  // Streamed, on a second $1 key: the same cap.
  const other = await limitedClient(rig.gw, `${name}-stream`, { budgetUsd: budget, budgetPeriod: 'total' });
  const stream = sdk(rig, other.key).messages.stream(hi('lim-opus'));
  const final = await stream.finalMessage();
  // Its body is a few bytes longer (`stream: true`): a few tokens of the prompt's ceiling more.
  const streamed = rig.anthropic.last().body.max_tokens as number;
  expect(Math.abs(streamed - sent[0]!)).toBeLessThan(10);
  expect(final.stop_reason).toBe('max_tokens');
  expect(final.usage.output_tokens).toBe(streamed);
  const row = await rig.gw.waitForRow({ request_id: stream.request_id ?? null });
  expect(row.status).toBe(200);
  expect(row.costUsd).toBeLessThanOrEqual(budget);
  // The key's spend is its row's; the next turn takes half of what is left (~$0.25): about half the first cap.
  const next = await client.messages.create(hi('lim-opus')).withResponse();
  const third = rig.anthropic.last().body.max_tokens as number;
  expect(third).toBeGreaterThan(sent[0]! / 2 - 200);
  expect(third).toBeLessThan(sent[0]! / 2 + 200);
  const nextRow = await rig.gw.waitForRow(next.response);
  const spend = await rig.gw.ctx.limits.counters.spend(scopeOf(c.id, budget), rig.clock.now);
  expect(spend).toBeCloseTo(first.costUsd + nextRow.costUsd, 9);
  expect(spend!).toBeLessThanOrEqual(budget);
}

/**
 * Claude Code's extended thinking: budget_tokens 31,999 of max_tokens 32,000. Capped, the budget is
 * lowered to the same share of the cap (below it, at least Anthropic's 1024). A budget that cannot
 * hold 1024 thinking tokens and a few more is refused (thinking is not switched off mid tool loop);
 * without thinking the same key is answered.
 */
export async function thinkingBudgetFitsTheCap(rig: MessagesRig, name: string): Promise<void> {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, name, { budgetUsd: 0.5, budgetPeriod: 'total' });
  const client = sdk(rig, c.key);
  const thinking = { type: 'enabled' as const, budget_tokens: 31_999 };
  await client.messages.create(hi('lim-opus', { thinking }));
  const sent = rig.anthropic.last().body;
  expect(sent.max_tokens).toBeLessThan(CEILING);
  expect(sent.max_tokens).toBeGreaterThan(1040);
  expect(sent.thinking.type).toBe('enabled');
  expect(sent.thinking.budget_tokens).toBeLessThan(sent.max_tokens);
  expect(sent.thinking.budget_tokens).toBeGreaterThanOrEqual(sent.max_tokens - 2);
  // A smaller share is kept as a share: 16,000 of 32,000 -> half the cap.
  const small = await limitedClient(rig.gw, `${name}-half`, { budgetUsd: 0.5, budgetPeriod: 'total' });
  await sdk(rig, small.key).messages.stream(hi('lim-opus', { thinking: { type: 'enabled', budget_tokens: 16_000 } })).finalMessage();
  const half = rig.anthropic.last().body;
  expect(half.thinking.budget_tokens).toBe(Math.floor(half.max_tokens / 2));
  // $0.05 holds the prompt and ~600 output tokens (a request takes half: ~300): not Anthropic's least thinking budget.
  const tiny = await limitedClient(rig.gw, `${name}-tiny`, { budgetUsd: 0.05, budgetPeriod: 'total' });
  const before = rig.anthropic.requests.length;
  const err = await sdk(rig, tiny.key).messages.create(hi('lim-opus', { thinking })).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.RateLimitError);
  expect(err.error.error.type).toBe('rate_limit_error');
  expect(rig.anthropic.requests.length).toBe(before);
  await rig.gw.waitForRow({ requestID: err.requestID });
  const plain = await sdk(rig, tiny.key).messages.create(hi('lim-opus'));
  expect(plain.stop_reason).toBe('max_tokens');
  expect(rig.anthropic.last().body.max_tokens).toBeLessThan(700);
  expect(rig.anthropic.last().body.thinking).toBeUndefined();
}

/**
 * Translated: a Messages request to an OpenAI model (lim-model, $0.001 a token) with max_tokens
 * 32,000 ($32) on a $1 key: OpenAI is sent the max_completion_tokens half the budget holds ($0.5:
 * a lowered reservation takes half the room); and a group whose Anthropic target is overloaded
 * (529) falls back to OpenAI with OpenAI's own cap.
 */
export async function translatedAndFallbackCapped(rig: MessagesRig, name: string): Promise<void> {
  rig.clock.now += 3_600_000;
  const budget = 1;
  const c = await limitedClient(rig.gw, name, { budgetUsd: budget, budgetPeriod: 'total' });
  const client = sdk(rig, c.key);
  const { data, response } = await client.messages.create(hi('lim-model')).withResponse();
  const cap = rig.fake.last().body.max_completion_tokens as number;
  expect(cap).toBeGreaterThan(300);
  expect(cap).toBeLessThan(500);
  expect(data.stop_reason).toBe('max_tokens');
  const row = await rig.gw.waitForRow(response);
  expect(row.costUsd).toBeLessThanOrEqual(budget);
  // A group: Anthropic overloaded, then lim-model. Each target got the cap of its own prices.
  const team = await limitedClient(rig.gw, `${name}-group`, { budgetUsd: 0.6, budgetPeriod: 'total' });
  rig.anthropic.handler = () => jsonResponse(fixtureJson('anthropic', 'error-529.json'), 529);
  const from = rig.anthropic.requests.length;
  try {
    const stream = sdk(rig, team.key).messages.stream(hi('lim-fallback'));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('max_tokens');
    const opusCap = rig.anthropic.requests[from]!.body.max_tokens as number;
    const openaiCap = rig.fake.last().body.max_completion_tokens as number;
    // Half of $0.6, $0.3, is ~3,600 Opus tokens and ~200 of lim-model's (its prompt ceiling takes a third of it).
    expect(opusCap).toBeGreaterThan(openaiCap);
    expect(openaiCap).toBeGreaterThanOrEqual(16);
    const r = await rig.gw.waitForRow({ request_id: stream.request_id ?? null });
    expect(r.costUsd).toBeLessThanOrEqual(0.6);
  } finally {
    rig.anthropic.handler = anthropicWritesAllItMay;
  }
}

/** 12 turns of one $1 Opus key at once, each max_tokens 32,000: together they never overspend; those refused are 429s. */
export async function concurrentTurnsNeverOverspend(rig: MessagesRig, name: string): Promise<void> {
  rig.clock.now += 3_600_000;
  const budget = 1;
  const c = await limitedClient(rig.gw, name, { budgetUsd: budget, budgetPeriod: 'total' });
  const client = sdk(rig, c.key);
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => {
    const turn = i % 2 === 0
      ? client.messages.create(hi('lim-opus')).withResponse().then((r) => ({ ok: true as const, ref: r.response as Response | { request_id: string | null } }))
      : (async () => {
          const s = client.messages.stream(hi('lim-opus'));
          await s.finalMessage();
          return { ok: true as const, ref: { request_id: s.request_id ?? null } };
        })();
    return turn.catch((e) => ({ ok: false as const, status: (e as InstanceType<typeof Anthropic.APIError>).status }));
  }));
  const served = results.filter((r) => r.ok);
  expect(served.length).toBeGreaterThan(0);
  expect(results.filter((r) => !r.ok).every((r) => r.status === 429)).toBe(true);
  let spent = 0;
  for (const r of served) spent += (await rig.gw.waitForRow(r.ref)).costUsd;
  expect(spent).toBeGreaterThan(0);
  expect(spent).toBeLessThanOrEqual(budget + 1e-9);
  expect(await rig.gw.ctx.limits.counters.spend(scopeOf(c.id, budget), rig.clock.now)).toBeCloseTo(spent, 9);
}

/** A max_tokens the budget holds is sent as asked: only what does not fit is lowered. */
export async function fittingCeilingUntouched(rig: MessagesRig, name: string): Promise<void> {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, name, { budgetUsd: 5, budgetPeriod: 'total' });
  await sdk(rig, c.key).messages.create(hi('lim-opus', { thinking: { type: 'enabled', budget_tokens: 31_999 } }));
  expect(rig.anthropic.last().body.max_tokens).toBe(CEILING);
  expect(rig.anthropic.last().body.thinking.budget_tokens).toBe(31_999);
}

/**
 * A team near its limit: two keys of a $1.2 team with no budgets of their own. The first turn of
 * one (10,000 asked, ~$0.75 at Opus) fits and is sent as asked; once it settled, the other key's
 * turn (32,000 asked) gets half the rest, and the team's spend stays within its budget.
 */
export async function teamNearItsLimit(rig: MessagesRig, name: string): Promise<void> {
  rig.clock.now += 3_600_000;
  const budget = 1.2;
  const teamId = await makeTeam(rig.gw, { name, budgetUsd: budget, budgetPeriod: 'total' });
  const a = await limitedClient(rig.gw, `${name}-a`, { teamId });
  const b = await limitedClient(rig.gw, `${name}-b`, { teamId });
  const first = await sdk(rig, a.key).messages.create(hi('lim-opus', { max_tokens: 10_000 })).withResponse();
  // 10,000 tokens ($0.75, and the US-only premium) fit: sent as asked.
  expect(rig.anthropic.last().body.max_tokens).toBe(10_000);
  const row = await rig.gw.waitForRow(first.response);
  // ~$0.45 left, of which it takes half: ~2,900 of the 32,000 asked.
  const { data, response } = await sdk(rig, b.key).messages.create(hi('lim-opus')).withResponse();
  const cap = rig.anthropic.last().body.max_tokens as number;
  expect(cap).toBeGreaterThan(2_000);
  expect(cap).toBeLessThan(((budget - row.costUsd) / 2 / OPUS_OUT) * 1e6);
  expect(data.stop_reason).toBe('max_tokens');
  const second = await rig.gw.waitForRow(response);
  const spend = await rig.gw.ctx.limits.counters.spend({ ...scopeOf(teamId, budget), key: `t:${teamId}` }, rig.clock.now);
  expect(spend).toBeCloseTo(row.costUsd + second.costUsd, 9);
  expect(spend!).toBeLessThanOrEqual(budget);
}

/**
 * Two Claude Code turns of one $1 key at once on Claude Opus (a subagent beside the main turn),
 * each max_tokens 32,000 ($2.40 of output): the first is sent the max_tokens half of $1 holds and
 * its stream stays open (the fake holds it until the test lets go) while the second is admitted
 * with half of what the first left, a quarter of the budget, and answered, rather than refused as
 * held for the whole first turn. Both stop with max_tokens having written all they may; each left
 * one row, and the key's spend is theirs, within its budget.
 */
export async function parallelTurnsShareTheRoom(rig: MessagesRig, name: string): Promise<void> {
  rig.clock.now += 3_600_000;
  const budget = 1;
  const c = await limitedClient(rig.gw, name, { budgetUsd: budget, budgetPeriod: 'total' });
  const client = sdk(rig, c.key);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const firstArrived = new Promise<void>((r) => (arrived = r));
  let calls = 0;
  rig.anthropic.handler = (req, rec, fake) => {
    if (calls++ > 0) return anthropicWritesAllItMay(req, rec, fake);
    arrived();
    return heldStream(rec, gate);
  };
  try {
    const from = rig.anthropic.requests.length;
    const main = client.messages.stream(hi('lim-opus'));
    // The main turn was admitted (it reached Anthropic) and is still writing.
    await firstArrived;
    const sub = client.messages.stream(hi('lim-opus'));
    const subFinal = await sub.finalMessage();
    release();
    const mainFinal = await main.finalMessage();
    const [first, second] = rig.anthropic.requests.slice(from).map((r) => r.body.max_tokens as number);
    // At $75 per 1M output tokens, within what each reserved; the prompt's ceiling takes the rest.
    expect(first! * OPUS_OUT / 1e6).toBeLessThanOrEqual(budget / 2);
    expect(first! * OPUS_OUT / 1e6).toBeGreaterThan(budget / 2 * 0.9);
    expect(second! * OPUS_OUT / 1e6).toBeLessThanOrEqual(budget / 4);
    expect(second! * OPUS_OUT / 1e6).toBeGreaterThan(budget / 4 * 0.9);
    expect([mainFinal.stop_reason, mainFinal.usage.output_tokens]).toEqual(['max_tokens', first]);
    expect([subFinal.stop_reason, subFinal.usage.output_tokens]).toEqual(['max_tokens', second]);
    const rows = [await rig.gw.waitForRow({ request_id: main.request_id ?? null }), await rig.gw.waitForRow({ request_id: sub.request_id ?? null })];
    expect(rows[0]!.requestId).not.toBe(rows[1]!.requestId);
    for (const r of rows) expect(r.status).toBe(200);
    // No refusal row beside them.
    expect(await rig.gw.waitForClientRows(c.id, 2)).toHaveLength(2);
    const spent = rows[0]!.costUsd + rows[1]!.costUsd;
    expect(spent).toBeLessThanOrEqual(budget);
    expect(await rig.gw.ctx.limits.counters.spend(scopeOf(c.id, budget), rig.clock.now)).toBeCloseTo(spent, 9);
  } finally {
    release();
    rig.anthropic.handler = anthropicWritesAllItMay;
  }
}
