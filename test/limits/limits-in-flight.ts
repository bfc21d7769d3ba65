/**
 * Limits changed through the admin API while requests are in flight: what those requests cost
 * still counts against the budget in force when their rows come. Run with the in-memory counters
 * (test/limits) and the Redis ones (test/redis).
 */
import { expect } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { api, type Session } from '../helpers/admin-harness';
import { apiError } from '../helpers/start-gateway';
import { chatBody, FIXTURE_COST, PRICE, type LimitsRig } from './limits-helpers';

/** Each chat request reserves its body a token a byte and max_tokens (10), at PRICE each way. */
const WORST = ((JSON.stringify(chatBody()).length + 10) * PRICE) / 1e6;

/** Holds every upstream answer until released; `arrived(n)` resolves once n requests reached it. */
function holdUpstream(rig: LimitsRig) {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let count = 0;
  const waiters: { n: number; done: () => void }[] = [];
  rig.fake.handler = async () => {
    count++;
    for (const w of waiters) if (count >= w.n) w.done();
    await held;
    return jsonResponse(fixtureJson('openai', 'chat.json'));
  };
  const arrived = (n: number) => new Promise<void>((done) => (count >= n ? done() : waiters.push({ n, done })));
  return { release, arrived };
}

/** Lets the seed that a change of limits starts (state.onChange) finish. */
const settled = () => Bun.sleep(100);

export const IN_FLIGHT_CHANGES = [
  { what: 'its budget period changed (month to day)', from: { budget_usd: 1, budget_period: 'month' }, to: { budget_usd: 0.2, budget_period: 'day' } },
  { what: 'its budget removed and set again', from: { budget_usd: 1, budget_period: 'day' }, to: { budget_usd: null }, again: { budget_usd: 0.2 } },
] as const;

export async function inFlightCountAfterChange(rig: LimitsRig, admin: Session, change: (typeof IN_FLIGHT_CHANGES)[number]): Promise<void> {
  const name = `in-flight-${crypto.randomUUID().slice(0, 8)}`;
  const c = (await (await api(rig.gw, 'POST', '/api/clients', { as: admin, body: { name, ...change.from } })).json()) as { id: number; key: string };
  const client = rig.gw.openai(c.key);
  const hold = holdUpstream(rig);
  const pending = Array.from({ length: 5 }, () => client.chat.completions.create(chatBody()).withResponse());
  await hold.arrived(5);
  expect((await api(rig.gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: change.to })).status).toBe(200);
  await settled();
  if ('again' in change) {
    expect((await api(rig.gw, 'PATCH', `/api/clients/${c.id}`, { as: admin, body: change.again })).status).toBe(200);
    await settled();
  }
  hold.release();
  const answers = await Promise.all(pending);
  for (const { response } of answers) await rig.gw.waitForRow(response.headers.get('x-request-id')!);
  rig.fake.handler = () => jsonResponse(fixtureJson('openai', 'chat.json'));
  await settled(); // a shared store settles off the request path

  // $0.14 of the five was spent today: the new $0.20 fits no further worst case (~$0.094).
  const spent = 5 * FIXTURE_COST;
  expect(spent + WORST).toBeGreaterThan(0.2);
  const view = (await (await api(rig.gw, 'GET', `/api/clients/${c.id}`, { as: admin })).json()) as { spend_usd: number };
  expect(view.spend_usd).toBeCloseTo(spent, 10);
  const err = await apiError(client.chat.completions.create(chatBody()));
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
}
