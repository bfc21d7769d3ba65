/**
 * A key back from its cooldown, through the real gateway: one request probes it while the others
 * keep to the other key (no thundering herd).
 */
import { afterAll, beforeAll, beforeEach, expect, setDefaultTimeout, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { UpstreamError } from '../../src/errors/api-error';
import { PROBE_HOLD_MS, ProviderKeyPool } from '../../src/key-pool/key-pool';
import { jsonResponse, replayJson, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { envKeyOf, envSlot } from '../helpers/env-key';

setDefaultTimeout(30_000);

const ENV_KEY = 'sk-test-openai-key-0123456789';
const POOL_KEY = 'sk-pool-second-key-abcdWXYZ';
const msgs = [{ role: 'user' as const, content: 'hi' }];

let openai: FakeUpstream;
let gw: TestGateway;
let poolKeyId: string;
const clock = { now: 1_800_000_000_000 };

/** Keys still rate-limited by the provider: answered 429 once `release` resolves (so every request has chosen its key by then). */
const limited = new Set<string>();
let arrivals = 0;
let expected = Infinity;
let release!: () => void;
let released = new Promise<void>((r) => (release = r));

const handler: FakeHandler = async (req, rec, fake) => {
  if (++arrivals >= expected) release();
  const key = (req.headers.get('authorization') ?? '').replace('Bearer ', '');
  if (limited.has(key)) {
    await released;
    return jsonResponse({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '20' });
  }
  return replayJson('openai', 'chat.json')(req, rec, fake);
};

beforeAll(async () => {
  openai = startFakeUpstream(handler);
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`) });
  poolKeyId = (await addProviderKey(gw.ctx, 'openai', { key: POOL_KEY, weight: 3, label: 'second' })).id;
});
afterAll(async () => {
  await gw.close();
  openai.close();
});
beforeEach(() => {
  gw.ctx.keyPool = new ProviderKeyPool(undefined, () => clock.now);
  limited.clear();
  openai.requests.length = 0;
  arrivals = 0;
  expected = Infinity;
  released = new Promise<void>((r) => (release = r));
});

/** What a 429 with this retry-after on the key does (as walkTargets reports it). */
const cool = (id: string, s: number) =>
  gw.ctx.keyPool.reportFailure('openai', { id, apiKey: '', label: '', last4: '', weight: 1 }, new UpstreamError('openai', 429, 'HTTP 429', true, undefined, 'rate_limit_exceeded', { 'retry-after': String(s) }));
const keysSeen = () => openai.requests.map((r) => r.headers.authorization);
const chat = () => gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: msgs });

test('after a cooldown ends, one request probes the key; the others at that moment keep to the other key', async () => {
  // The pool key (weight 3: the usual first pick) was refused and its cooldown ends now; the provider still refuses it.
  cool(poolKeyId, 20);
  clock.now += 20_000;
  limited.add(POOL_KEY);
  // Eight requests at once; the refusal comes only after all eight reached the provider.
  expected = 8;
  const all = await Promise.all(Array.from({ length: 8 }, () => chat().withResponse()));
  for (const { data } of all) expect(data.object).toBe('chat.completion');
  const seen = keysSeen();
  expect(seen.filter((k) => k === `Bearer ${POOL_KEY}`).length).toBe(1); // before: 6 of the 8 (its weight's share)
  expect(seen.filter((k) => k === `Bearer ${ENV_KEY}`).length).toBe(8);
  // The probe's 429 cooled it again for its retry-after (for the model: OpenAI's limits are per model).
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini')).toEqual({ state: 'cooling', until: clock.now + 20_000 });
});

test('a probe that answers makes the key active for everyone: the weights apply again', async () => {
  cool(poolKeyId, 5);
  clock.now += 5_000;
  await chat(); // the probe, answered
  expect(keysSeen()).toEqual([`Bearer ${POOL_KEY}`]);
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId)).toEqual({ state: 'active' });
  openai.requests.length = 0;
  for (let i = 0; i < 4; i++) await chat();
  expect(keysSeen().filter((k) => k === `Bearer ${POOL_KEY}`).length).toBe(3);
});

test('every key cooling: the one back first is still tried, not the key another request is probing', async () => {
  cool(poolKeyId, 30);
  cool(envSlot(gw), 12);
  clock.now += 12_000;
  // The env key is back first and another request holds its probe: this one tries the pool key (the upstream refuses it).
  gw.ctx.keyPool.states.claimProbe('openai', envSlot(gw), clock.now, clock.now + PROBE_HOLD_MS);
  limited.add(POOL_KEY);
  expected = 1;
  const e = await apiError(chat());
  expect([e.status, (e as any).code]).toEqual([429, 'rate_limit_exceeded']);
  expect(keysSeen()).toEqual([`Bearer ${POOL_KEY}`]);
  // The probe answered: the env key serves again.
  gw.ctx.keyPool.answered('openai', envKeyOf(gw));
  expect((await chat()).object).toBe('chat.completion');
  expect(keysSeen()).toEqual([`Bearer ${POOL_KEY}`, `Bearer ${ENV_KEY}`]);
});

test('a key set aside after a 401 that the provider takes back is active again once a try with it succeeds', async () => {
  const env = envKeyOf(gw);
  const pool = { id: poolKeyId, apiKey: POOL_KEY, label: 'second', last4: 'WXYZ', weight: 3 };
  gw.ctx.keyPool.reportFailure('openai', env, new UpstreamError('openai', 401, 'HTTP 401', false));
  gw.ctx.keyPool.reportFailure('openai', pool, new UpstreamError('openai', 401, 'HTTP 401', false));
  clock.now += 1_000;
  // Both set aside: the first is still tried, and the provider answers it now.
  expect((await chat()).object).toBe('chat.completion');
  expect(keysSeen()).toEqual([`Bearer ${ENV_KEY}`]);
  expect(gw.ctx.keyPool.stateOf('openai', env)).toEqual({ state: 'active' });
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId).state).toBe('set_aside');
});
