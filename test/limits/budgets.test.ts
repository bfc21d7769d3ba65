/** Budgets end to end: reserve-then-settle under load, period rollover, settling on failures. */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import OpenAI from 'openai';
import { eq } from 'drizzle-orm';
import { clients, models } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse } from '../helpers/fake-upstream';
import { apiError } from '../helpers/start-gateway';
import { chatBody, FIXTURE_COST, limitedClient, PRICE, startLimitsRig, type LimitsRig } from './limits-helpers';

// A loaded CI machine starts a gateway slowly; a limit only bounds a hang.
setDefaultTimeout(30_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startLimitsRig()), 30_000);
afterAll(() => rig.close());

const scopeOf = (id: number) => rig.gw.ctx.state.getSnapshot().clientsById!.get(id)!.limits!.scopes[0]!;
const rowsOf = (id: number) => rig.gw.logs.filter((r) => r.clientId === id);

test('50 parallel requests against a budget that fits about 10: spend never passes it, the rest get budget_exceeded', async () => {
  rig.fake.handler = async () => (await Bun.sleep(20), jsonResponse(fixtureJson('openai', 'chat.json')));
  // Each reserves its body a token a byte (the budget's prompt ceiling) and max_tokens: ~$0.094.
  const worst = ((JSON.stringify(chatBody()).length + 10) * PRICE) / 1e6;
  const budget = 10 * worst;
  const c = await limitedClient(rig.gw, 'parallel-budget', { budgetUsd: budget, budgetPeriod: 'month' });
  const client = rig.gw.openai(c.key);
  const results = await Promise.allSettled(Array.from({ length: 50 }, () => client.chat.completions.create(chatBody())));
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  expect(ok).toBeGreaterThanOrEqual(5);
  expect(refused.length).toBeGreaterThan(0);
  for (const err of refused) {
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.code).toBe('budget_exceeded');
    expect(err.type).toBe('insufficient_quota');
    // Refused while the others' reservations held the room (retryable once they settle), or spent.
    const held = err.message.includes('for now');
    if (held) expect([err.headers!.get('x-should-retry'), err.headers!.get('retry-after')]).toEqual(['true', '1']);
    else expect(err.headers!.get('x-should-retry')).toBe('false');
  }
  expect(refused.some((e) => e.message.includes('for now'))).toBe(true);
  await rig.gw.waitForLogs(rig.gw.logs.length); // rows of the answered land with them
  const rows = rowsOf(c.id);
  expect(rows.length).toBe(50);
  const spent = rows.reduce((s, r) => s + r.costUsd, 0);
  expect(spent).toBeLessThanOrEqual(budget);
  expect(spent).toBeCloseTo(ok * FIXTURE_COST, 10);
  const refusals = rows.filter((r) => r.status === 429);
  expect(refusals.length).toBe(refused.length);
  expect(refusals.every((r) => r.costUsd === 0 && r.errorType === 'budget_exceeded')).toBe(true);
  expect(rig.gw.ctx.limits.counters.spend(scopeOf(c.id), rig.clock.now)).toBeCloseTo(spent, 10);
  expect(rig.gw.ctx.limits.counters.outstanding(scopeOf(c.id))).toEqual({ reservedUsd: 0, inFlight: 0 });
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
});

test('period spend starts from the logged spend (daily rollup), and a new day starts from zero (injectable clock)', async () => {
  const c = rig.gw.addClient('daily');
  // Spent earlier today (before this process knew the key's budget), and yesterday, as the log
  // writer's per-client daily rollup holds it.
  const today = Date.parse('2026-03-10T00:00:00Z');
  const day = rig.gw.ctx.sqlite.query('INSERT INTO usage_client_daily (day, client_id, requests, cost_usd) VALUES (?, ?, 1, ?)');
  day.run(today, c.id, 0.04);
  day.run(today - 86_400_000, c.id, 5);
  rig.gw.ctx.db.update(clients).set({ budgetUsd: 0.15, budgetPeriod: 'day' }).where(eq(clients.id, c.id)).run();
  await rig.gw.ctx.limits.seed(rig.gw.ctx.state.reload());
  expect(rig.gw.ctx.limits.counters.spend(scopeOf(c.id), rig.clock.now)).toBeCloseTo(0.04, 10);

  const client = rig.gw.openai(c.key);
  await client.chat.completions.create(chatBody()); // 0.04 + 0.028 spent; a next worst case (~0.094) does not fit
  const err = await apiError(client.chat.completions.create(chatBody()));
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect(err.code).toBe('budget_exceeded');

  rig.clock.now = Date.parse('2026-03-11T00:00:01Z');
  const next = await client.chat.completions.create(chatBody());
  expect(next.choices[0]!.message.content).toContain('Hello');
  expect(rig.gw.ctx.limits.counters.spend(scopeOf(c.id), rig.clock.now)).toBeCloseTo(FIXTURE_COST, 10);
  rig.clock.now = Date.parse('2026-03-10T12:00:00Z');
});

test('a refusal of a small budget names its amounts in digits that show, all by one rule (never $0.0000, nor $0.000010 beside $0.00)', async () => {
  // $0.10 per 1M tokens: the fixture's 28 tokens cost $0.0000028, a budget of $0.00001 fits three.
  rig.gw.ctx.db.insert(models).values({ id: 'lim-cheap', provider: 'openai', upstreamId: 'gpt-4o-mini', inputPrice: 0.1, outputPrice: 0.1, contextWindow: 128_000, updatedAt: Date.now() }).run();
  const c = await limitedClient(rig.gw, 'tiny-budget', { budgetUsd: 0.00001, budgetPeriod: 'day' });
  const client = rig.gw.openai(c.key);
  let err: Awaited<ReturnType<typeof apiError>> | undefined;
  for (let i = 0; i < 10 && !err; i++) {
    try {
      await client.chat.completions.create(chatBody('lim-cheap'));
    } catch (e) {
      err = e as typeof err;
    }
  }
  expect(err?.code).toBe('budget_exceeded');
  expect(err!.message).toMatch(
    /^429 Budget exceeded for key 'tiny-budget': \$0\.00001 per day; spent \$0\.00000[1-9]\d*, \$0 reserved by requests in flight, this request may cost up to \$0\.00000[1-9]\d*\.$/,
  );
});

test('a cut stream settles to its estimated cost, and an upstream error to zero: nothing stays reserved', async () => {
  const c = await limitedClient(rig.gw, 'settle', { budgetUsd: 10, maxParallel: 1 });
  const post = (body: object) =>
    fetch(`${rig.gw.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
  // The cut waits until the client has read the first chunk, so it lands mid-stream.
  let readFirst!: () => void;
  const first = new Promise<void>((r) => (readFirst = r));
  rig.fake.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'), { cutAfter: 3, holdAt: { at: 3, until: first } });
  const cut = await post(chatBody('lim-model', { stream: true }));
  expect(cut.status).toBe(200);
  const id1 = cut.headers.get('x-request-id')!;
  let text = '';
  const decoder = new TextDecoder();
  for await (const bytes of cut.body!) {
    text += decoder.decode(bytes, { stream: true });
    readFirst();
  }
  expect(text).toContain('"error"');
  const row1 = (await waitRow(id1));
  expect(row1.costUsd).toBeGreaterThan(0);
  expect(rig.gw.ctx.limits.counters.outstanding(scopeOf(c.id))).toEqual({ reservedUsd: 0, inFlight: 0 });
  expect(rig.gw.ctx.limits.counters.spend(scopeOf(c.id), rig.clock.now)).toBeCloseTo(row1.costUsd, 10);

  rig.fake.handler = () => jsonResponse({ error: { message: 'boom', type: 'server_error' } }, 500);
  const failed = await post(chatBody());
  expect(failed.status).toBeGreaterThanOrEqual(500);
  const row2 = await waitRow(failed.headers.get('x-request-id')!);
  expect(row2.costUsd).toBe(0);
  expect(rig.gw.ctx.limits.counters.outstanding(scopeOf(c.id))).toEqual({ reservedUsd: 0, inFlight: 0 });
  expect(rig.gw.ctx.limits.counters.spend(scopeOf(c.id), rig.clock.now)).toBeCloseTo(row1.costUsd, 10);
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
}, 30_000);

/** The row of a request, by the answer's x-request-id (a cut stream's row waits for its token estimate). */
async function waitRow(requestId: string) {
  for (let i = 0; i < 600; i++) {
    const row = rig.gw.logs.find((r) => r.requestId === requestId);
    if (row) return row;
    await Bun.sleep(25);
  }
  throw new Error(`no log row for ${requestId}`);
}

test('a prompt that reaches a long-context tier reserves at the tier price, and a budget that only fits the base price refuses it', async () => {
  // $1 per 1M tokens each way below 1,000 prompt tokens, $100 from 1,000 on.
  rig.gw.ctx.db.insert(models).values({
    id: 'lim-long', provider: 'openai', upstreamId: 'gpt-4o-mini', inputPrice: 1, outputPrice: 1, contextWindow: 128_000, updatedAt: Date.now(),
    longContextThreshold: 1000, longContextInputPrice: 100, longContextOutputPrice: 100,
  }).run();
  const c = await limitedClient(rig.gw, 'long-context', { budgetUsd: 1, budgetPeriod: 'day' });
  const body = JSON.stringify(chatBody('lim-long', { messages: [{ role: 'user', content: 'x'.repeat(3_000) }] }));
  const prompt = body.length; // the budget's prompt ceiling: a token a byte
  expect(prompt).toBeGreaterThanOrEqual(1000);
  const post = (b: string, key = c.key) =>
    fetch(`${rig.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: b });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const atUpstream = new Promise<void>((r) => (arrived = r));
  rig.fake.handler = async () => (arrived(), await held, jsonResponse(fixtureJson('openai', 'chat.json')));
  const pending = post(body);
  await atUpstream;
  // In flight: prompt and max_tokens (10) at the tier's $100, not the base $1.
  expect((await rig.gw.ctx.limits.counters.outstanding(scopeOf(c.id))).reservedUsd).toBeCloseTo(((prompt + 10) * 100) / 1e6, 12);
  release();
  const res = await pending;
  expect(res.status).toBe(200);
  // The fixture's usage (19 prompt tokens) is under the threshold: settled at the base price.
  expect((await waitRow(res.headers.get('x-request-id')!)).costUsd).toBeCloseTo(28 / 1e6, 12);
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));

  // $0.05 fits the long prompt at the base price (~$0.001) but not at the tier's (~$0.1).
  const small = await limitedClient(rig.gw, 'long-context-small', { budgetUsd: 0.05, budgetPeriod: 'day' });
  const refused = await post(body, small.key);
  expect(refused.status).toBe(429);
  expect(((await refused.json()) as any).error.code).toBe('budget_exceeded');
  expect((await post(JSON.stringify(chatBody('lim-long')), small.key)).status).toBe(200);
});
