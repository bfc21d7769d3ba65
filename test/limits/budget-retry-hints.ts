/**
 * A budget refusal says whether waiting helps (shared by the in-memory and the Redis test files):
 * room held by requests in flight comes back when they settle (retryable: `x-should-retry: true`,
 * a short `retry-after`), while a period's spend that leaves no room does not until the period
 * resets (`x-should-retry: false`, `retry-after` the time to the reset; none for `total`). The
 * official SDKs with retries on; every try is one row, found by its x-request-id.
 */
import { expect } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { periodEnd } from '../../src/limits/budget-period';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { limitedClient, type LimitsRig } from './limits-helpers';

const hello = (extra: Record<string, unknown> = {}) => ({ model: 'lim-model', messages: [{ role: 'user' as const, content: 'Hello' }], ...extra });

/** Records every answer the SDK got, in order; `onAnswer` runs before the SDK sees it. */
function recordingFetch(answers: Response[], onAnswer: (res: Response) => Promise<void> = async () => {}): typeof fetch {
  return (async (url: any, init: any) => {
    const res = await fetch(url, init);
    answers.push(res.clone());
    await onAnswer(res);
    return res;
  }) as typeof fetch;
}

const scopeOf = (id: number, budget: number, period: 'day' | 'total') => ({ key: `c:${id}`, label: '', allow: null, budgetUsd: budget, period, rpm: null, tpm: null, maxParallel: null });

/** Resolves once nothing is reserved against the key's budget (its request in flight settled). */
async function settled(rig: LimitsRig, scope: ReturnType<typeof scopeOf>): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if ((await rig.gw.ctx.limits.counters.outstanding(scope)).reservedUsd === 0) return;
    await Bun.sleep(10);
  }
  throw new Error('the reservation was not settled');
}

/**
 * Request A asks max_tokens 150 (its worst case, ~$0.23, fits the $0.3 budget: reserved whole) and
 * the upstream keeps it waiting; request B of the same key, sent meanwhile, needs more than the
 * ~$0.07 left (its prompt and 16 output tokens, ~$0.1) and is refused as held (retryable, 1 s), and
 * once A settled the SDK's retry is admitted and answered. (A request naming no max_tokens would
 * reserve only half the room, leaving B enough: messages-budget-cap.ts, parallelTurnsShareTheRoom.)
 */
export async function heldBudgetIsRetried(rig: LimitsRig, name: string, sdk: 'openai' | 'anthropic'): Promise<void> {
  rig.clock.now += 3_600_000;
  const budget = 0.3;
  const c = await limitedClient(rig.gw, name, { budgetUsd: budget, budgetPeriod: 'total' });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let calls = 0;
  rig.fake.handler = async () => {
    if (calls++ === 0) await gate;
    return jsonResponse(fixtureJson('openai', 'chat.json'));
  };
  const a = rig.gw.openai(c.key).chat.completions.create(hello({ max_tokens: 150 })).withResponse();
  // A is admitted (it reached the upstream) before B is sent.
  while (calls === 0) await Bun.sleep(5);
  const answers: Response[] = [];
  // On B's refusal A finishes and settles before the SDK waits its retry-after out.
  const onAnswer = async (res: Response) => {
    if (res.status !== 429) return;
    release();
    await rig.gw.waitForRow((await a).response);
    await settled(rig, scopeOf(c.id, budget, 'total'));
  };
  if (sdk === 'openai') {
    const client = new OpenAI({ apiKey: c.key, baseURL: `${rig.gw.url}/v1`, maxRetries: 2, timeout: 20_000, fetch: recordingFetch(answers, onAnswer) });
    const b = await client.chat.completions.create(hello());
    expect(b.choices[0]!.message.content).toBeTruthy();
  } else {
    const client = new Anthropic({ apiKey: c.key, baseURL: rig.gw.url, maxRetries: 2, timeout: 20_000, fetch: recordingFetch(answers, onAnswer) });
    const b = await client.messages.create({ model: 'lim-model', max_tokens: 16, messages: [{ role: 'user', content: 'Hello' }] });
    expect(b.content[0]).toMatchObject({ type: 'text' });
  }
  expect(answers.map((r) => [r.status, r.headers.get('x-should-retry'), r.headers.get('retry-after'), r.headers.get('retry-after-ms')])).toEqual([
    [429, 'true', '1', '1000'],
    [200, null, null, null],
  ]);
  const body = (await answers[0]!.json()) as any;
  if (sdk === 'openai') expect(body.error).toMatchObject({ code: 'budget_exceeded' });
  else expect(body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  expect(JSON.stringify(body)).toContain('Retry in a moment');
  expect(await rig.gw.waitForRow(answers[0]!)).toMatchObject({ status: 429, errorType: 'budget_exceeded', costUsd: 0 });
  expect(await rig.gw.waitForRow(answers[1]!)).toMatchObject({ status: 200 });
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
}

/**
 * A $0.1 budget whose period's spend ($0.028) leaves less room than the next request's worst case
 * ($0.09), nothing in flight: refused as spent. A day budget says when the day ends (retry-after)
 * and that retrying sooner cannot help; the SDK tries once. A `total` budget names no wait.
 */
export async function spentBudgetIsNotRetried(rig: LimitsRig, name: string, period: 'day' | 'total'): Promise<void> {
  rig.clock.now += 3_600_000;
  const c = await limitedClient(rig.gw, name, { budgetUsd: 0.1, budgetPeriod: period });
  const first = await rig.gw.openai(c.key).chat.completions.create(hello({ max_tokens: 10 })).withResponse();
  await rig.gw.waitForRow(first.response);
  await settled(rig, scopeOf(c.id, 0.1, period));
  const answers: Response[] = [];
  const client = new OpenAI({ apiKey: c.key, baseURL: `${rig.gw.url}/v1`, maxRetries: 2, timeout: 20_000, fetch: recordingFetch(answers) });
  const err = await client.chat.completions.create(hello({ max_tokens: 10 })).then(() => null, (e) => e);
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect(err.code).toBe('budget_exceeded');
  expect(answers.length).toBe(1);
  const res = answers[0]!;
  const resetMs = periodEnd('day', rig.clock.now) - rig.clock.now;
  const reset = period === 'day' ? [String(Math.ceil(resetMs / 1000)), String(resetMs)] : [null, null];
  expect([res.headers.get('x-should-retry'), res.headers.get('retry-after'), res.headers.get('retry-after-ms')]).toEqual(['false', ...reset]);
  expect(await rig.gw.waitForRow(res)).toMatchObject({ status: 429, errorType: 'budget_exceeded' });
}

/** A day budget spent 30 s before midnight: the reset is near enough for the SDK to wait for, so it may retry. */
export async function spentBudgetResettingSoon(rig: LimitsRig, name: string): Promise<void> {
  const day = periodEnd('day', rig.clock.now + 86_400_000);
  rig.clock.now = day - 90_000;
  const c = await limitedClient(rig.gw, name, { budgetUsd: 0.1, budgetPeriod: 'day' });
  const first = await rig.gw.openai(c.key).chat.completions.create(hello({ max_tokens: 10 })).withResponse();
  await rig.gw.waitForRow(first.response);
  await settled(rig, scopeOf(c.id, 0.1, 'day'));
  rig.clock.now = day - 30_000;
  const res = await rig.gw.fetch('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${c.key}` }, body: JSON.stringify(hello({ max_tokens: 10 })) });
  expect(res.status).toBe(429);
  expect([res.headers.get('x-should-retry'), res.headers.get('retry-after'), res.headers.get('retry-after-ms')]).toEqual(['true', '30', '30000']);
  expect(await rig.gw.waitForRow(res)).toMatchObject({ status: 429, errorType: 'budget_exceeded' });
  // At midnight the new day's budget admits it.
  rig.clock.now = day;
  const again = await rig.gw.openai(c.key).chat.completions.create(hello({ max_tokens: 10 })).withResponse();
  expect((await rig.gw.waitForRow(again.response)).status).toBe(200);
}
