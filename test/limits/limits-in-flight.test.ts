/**
 * Limits changed through the admin API while requests are in flight: what those requests cost
 * still counts against the budget in force when their rows come.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { api, ADMIN_PASSWORD, login, type Session } from '../helpers/admin-harness';
import { apiError } from '../helpers/start-gateway';
import { chatBody, FIXTURE_COST, PRICE, startLimitsRig, type LimitsRig } from './limits-helpers';

// A loaded CI machine starts a gateway slowly; a limit only bounds a hang.
setDefaultTimeout(30_000);

let rig: LimitsRig;
let admin: Session;
beforeAll(async () => {
  rig = await startLimitsRig();
  admin = await login(rig.gw, 'admin', ADMIN_PASSWORD);
}, 30_000);
afterAll(() => rig.close());

/** Each chat request reserves its body a token a byte and max_tokens (10), at PRICE each way. */
const WORST = ((JSON.stringify(chatBody()).length + 10) * PRICE) / 1e6;

/** Holds every upstream answer until released; resolves `arrived(n)` once n requests reached it. */
function holdUpstream() {
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
const settled = () => Bun.sleep(50);

for (const change of [
  { what: 'its budget period changed (month to day)', from: { budget_usd: 1, budget_period: 'month' }, to: { budget_usd: 0.2, budget_period: 'day' } },
  { what: 'its budget removed and set again', from: { budget_usd: 1, budget_period: 'day' }, to: { budget_usd: null }, again: { budget_usd: 0.2 } },
] as const) {
  test(`a key's requests in flight while ${change.what} count against the new budget when they end`, async () => {
    const c = (await (await api(rig.gw, 'POST', '/api/clients', { as: admin, body: { name: `in-flight-${change.what.slice(0, 20)}`, ...change.from } })).json()) as { id: number; key: string };
    const client = rig.gw.openai(c.key);
    const hold = holdUpstream();
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

    // $0.14 of the five was spent today: the new $0.20 fits no further worst case (~$0.094).
    const spent = 5 * FIXTURE_COST;
    expect(spent + WORST).toBeGreaterThan(0.2);
    const view = (await (await api(rig.gw, 'GET', `/api/clients/${c.id}`, { as: admin })).json()) as { spend_usd: number };
    expect(view.spend_usd).toBeCloseTo(spent, 10);
    const scope = rig.gw.ctx.state.getSnapshot().clientsById!.get(c.id)!.limits!.scopes[0]!;
    expect(rig.gw.ctx.limits.counters.spend(scope, rig.clock.now)).toBeCloseTo(spent, 10);
    const err = await apiError(client.chat.completions.create(chatBody()));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  });
}
