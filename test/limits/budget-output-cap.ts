/**
 * A key with a small budget sends a request that names no max_tokens (shared by the in-memory and
 * the Redis test files): where the budget cannot hold the default output's worst case, each target
 * is sent the max_tokens the budget affords at its prices, so the request is answered (cut with
 * finish_reason `length`) and the budget still cannot be overspent. The fake upstream writes every
 * token it is allowed, the worst case, so a row's cost is as high as the cap lets it be.
 */
import { expect } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, type FakeHandler } from '../helpers/fake-upstream';
import { apiError } from '../helpers/start-gateway';
import { limitedClient, type LimitsRig } from './limits-helpers';

const hello = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'Hello' }] });

/** The output cap an upstream request carried (chat's max_tokens or max_completion_tokens, Responses' max_output_tokens). */
export const capOf = (body: any): number | undefined => body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens;

/** A fake OpenAI that answers with as many output tokens as it was allowed (finish_reason / status says it was cut). */
export const writesAllItMay: FakeHandler = (_req, rec) => {
  const cap = capOf(rec.body) ?? 9;
  if (rec.path.endsWith('/responses')) {
    const r = fixtureJson('responses', 'openai-response.json');
    r.usage = { ...r.usage, output_tokens: cap, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: r.usage.input_tokens + cap };
    return jsonResponse({ ...r, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  }
  const c = fixtureJson('openai', 'chat.json');
  // A number, so the dispatcher's classifier call reads a score from it.
  c.choices[0].message.content = '5';
  c.choices[0].finish_reason = 'length';
  c.usage = { ...c.usage, completion_tokens: cap, total_tokens: c.usage.prompt_tokens + cap };
  return jsonResponse(c);
};

/**
 * A key with budget `budget` sends 'Hello' to a seeded group without max_tokens, on chat and then
 * on /v1/responses: answered, and the rows cost at most the budget. `capped`: the budget is too
 * small for the answering target's own default allowance, so that target must have been sent a cap.
 */
export async function helloToSeededGroup(rig: LimitsRig, group: string, budget: number, capped: boolean, name: string): Promise<void> {
  rig.clock.now += 3_600_000;
  rig.fake.handler = writesAllItMay;
  const c = await limitedClient(rig.gw, name, { budgetUsd: budget, budgetPeriod: 'total' });
  const client = rig.gw.openai(c.key);
  const before = rig.fake.requests.length;
  const { data, response } = await client.chat.completions.create(hello(group)).withResponse();
  // The last call: the dispatcher's classifier call (a row of its own, capped at 4,096) comes first.
  const sent = rig.fake.requests.slice(before).findLast((r) => r.path.endsWith('/chat/completions'))!;
  const cap = capOf(sent.body);
  if (capped) {
    expect(cap).toBeGreaterThan(1000);
    expect(data.choices[0]!.finish_reason).toBe('length');
    expect(data.usage!.completion_tokens).toBe(cap!);
  } else expect(cap).toBeUndefined();
  const row = await rig.gw.waitForRow(response);
  expect(row.status).toBe(200);
  expect(row.costUsd).toBeGreaterThan(0);
  expect(row.costUsd).toBeLessThanOrEqual(budget);
  // The same on /v1/responses (OpenAI's own, passed through): max_output_tokens.
  const r = await client.responses.create({ model: group, input: 'Hello' }).withResponse();
  if (capped) {
    expect(r.data.status).toBe('incomplete');
    expect(capOf(rig.fake.last().body)).toBeGreaterThan(1000);
  } else expect(capOf(rig.fake.last().body)).toBeUndefined();
  await rig.gw.waitForRow(r.response);
  // Every row of the key (the classifier's calls too) within the budget.
  const spent = await rig.gw.ctx.limits.counters.spend(scopeOf(c.id, budget), rig.clock.now);
  expect(spent!).toBeGreaterThan(row.costUsd);
  expect(spent!).toBeLessThanOrEqual(budget);
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
}

const scopeOf = (id: number, budget: number) => ({ key: `c:${id}`, label: '', allow: null, budgetUsd: budget, period: 'total' as const, rpm: null, tpm: null, maxParallel: null });

/**
 * A client that asked for more output than the budget holds is refused as before (it asked for
 * that length: it is told, not cut short unasked), and so is a request whose prompt with the
 * minimum output (16 tokens) does not fit.
 */
export async function explicitAskAndTinyBudgetRefused(rig: LimitsRig, name: string): Promise<void> {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, name, { budgetUsd: 0.05, budgetPeriod: 'total' });
  const client = rig.gw.openai(c.key);
  const before = rig.fake.requests.length;
  // lim-model: $0.001 a token each way. 4,000 tokens asked: $4.
  const asked = await apiError(client.chat.completions.create({ ...hello('lim-model'), max_tokens: 4000 }));
  expect(asked).toBeInstanceOf(OpenAI.RateLimitError);
  expect(asked.code).toBe('budget_exceeded');
  // A prompt of ~100 bytes costs ~$0.1 at its ceiling: more than the whole budget.
  const long = await apiError(client.chat.completions.create({ model: 'lim-model', messages: [{ role: 'user', content: 'word '.repeat(20) }] }));
  expect(long.code).toBe('budget_exceeded');
  expect(rig.fake.requests.length).toBe(before);
}

/** 20 requests of one key at once, each naming no max_tokens, the upstream writing all it may: together they never overspend. */
export async function concurrentNeverOverspend(rig: LimitsRig, name: string): Promise<void> {
  rig.clock.now += 3_600_000;
  rig.fake.handler = writesAllItMay;
  // A 'Hello' request's prompt ceiling is ~80 tokens ($0.08) and its minimum output 16 ($0.016):
  // $0.3 affords about three of them.
  const budget = 0.3;
  const c = await limitedClient(rig.gw, name, { budgetUsd: budget, budgetPeriod: 'total' });
  const client = rig.gw.openai(c.key);
  const results = await Promise.all(Array.from({ length: 20 }, () => client.chat.completions.create(hello('lim-model')).withResponse().then(
    (r) => ({ ok: true as const, response: r.response, cap: r.data.usage!.completion_tokens }),
    (e) => ({ ok: false as const, code: (e as InstanceType<typeof OpenAI.APIError>).code }),
  )));
  const served = results.filter((r) => r.ok);
  expect(served.length).toBeGreaterThan(0);
  expect(results.filter((r) => !r.ok).every((r) => r.code === 'budget_exceeded')).toBe(true);
  let spent = 0;
  for (const r of served) spent += (await rig.gw.waitForRow(r.response)).costUsd;
  expect(spent).toBeGreaterThan(0);
  expect(spent).toBeLessThanOrEqual(budget + 1e-9);
  const spend = await rig.gw.ctx.limits.counters.spend(scopeOf(c.id, budget), rig.clock.now);
  expect(spend).toBeCloseTo(spent, 9);
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
}

/**
 * A key with a $0.6 budget and a 20,000-token TPM sends 'Hello' to a group without max_tokens: its
 * target is sent the cap half the budget affords (a lowered reservation takes half the room: $0.3,
 * ~220 tokens), and the TPM window holds the prompt and that cap while the request is in flight,
 * not the default 16,384-token allowance.
 */
export async function cappedRequestHoldsItsCapInTpm(rig: LimitsRig, name: string): Promise<void> {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, name, { budgetUsd: 0.6, budgetPeriod: 'total', tpm: 20_000 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const before = rig.fake.requests.length;
  rig.fake.handler = async () => (await gate, jsonResponse(fixtureJson('openai', 'chat.json')));
  const a = rig.gw.openai(c.key).chat.completions.create(hello('lim-group')).withResponse();
  while (rig.fake.requests.length === before) await Bun.sleep(5);
  const cap = capOf(rig.fake.last().body)!;
  expect(cap).toBeGreaterThan(100);
  expect(cap).toBeLessThan(300);
  // Read while it is in flight: the key's model list carries the TPM window's state.
  const models = await rig.gw.fetch('/v1/models', { headers: { authorization: `Bearer ${c.key}` } });
  const remaining = Number(models.headers.get('x-ratelimit-remaining-tokens'));
  // The prompt's estimate is ~30 tokens (the body's bytes, 3 a token).
  expect(remaining).toBeLessThan(20_000 - cap);
  expect(remaining).toBeGreaterThan(20_000 - cap - 100);
  release();
  const { response } = await a;
  // The answer's own figure (remaining after this request) says the same.
  expect(Number(response.headers.get('x-ratelimit-remaining-tokens'))).toBe(remaining);
  expect((await rig.gw.waitForRow(response)).status).toBe(200);
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
}
