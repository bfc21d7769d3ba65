/**
 * /metrics counts the keys resting for one model (a 429 of a provider that limits per model, a
 * 403 refusing one model) per provider, model and state, in a bounded number of series.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { scopedSlot } from '../../src/key-pool/key-slots';
import { MAX_KEY_MODEL_SERIES } from '../../src/metrics/key-pool-gauges';
import { jsonResponse, okCompletion, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { parsePrometheus } from '../metrics/parse-prometheus';
import { envSlot } from '../helpers/env-key';

setDefaultTimeout(30_000);

const clock = { now: 1_800_000_000_000 };
// OpenAI limits per model: gpt-4o is out of its rate limit on every key, gpt-4o-mini answers.
const openai = startFakeUpstream((_req, rec) =>
  rec.body.model === 'gpt-4o'
    ? jsonResponse({ error: { message: 'Rate limit reached for gpt-4o on requests per min (RPM): Limit 500, Used 500.', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '20' })
    : okCompletion(rec.body.model),
);
let gw: TestGateway;
let spare = '';

beforeAll(async () => {
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`), keyPool: new ProviderKeyPool(undefined, () => clock.now) });
  spare = (await addProviderKey(gw.ctx, 'openai', { key: 'sk-metrics-model-key-0000WXYZ', label: 'spare' })).id;
});
afterAll(async () => {
  await gw.close();
  openai.close();
});

async function scrape() {
  const samples = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text()).samples;
  const modelStates = samples
    .filter((s) => s.name === 'gophergate_provider_key_model_state')
    .map((s) => [`${s.labels.provider}/${s.labels.model}/${s.labels.state}`, s.value] as const);
  const keyStates = samples.filter((s) => s.name === 'gophergate_provider_key_state' && s.value === 1).map((s) => `${s.labels.key}=${s.labels.state}`).sort();
  return { models: Object.fromEntries(modelStates), keyStates };
}

test("a model's 429 on every key: both keys counted cooling for that model, while they stay active", async () => {
  expect((await scrape()).models).toEqual({});
  const err = await apiError(gw.openai().chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
  expect(err.status).toBe(429);
  await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const { models, keyStates } = await scrape();
  expect(models).toEqual({ 'openai/gpt-4o/cooling': 2, 'openai/gpt-4o/set_aside': 0 });
  expect(keyStates).toEqual(['env=active', 'spare=active']);
  // Its cooldown over: the series goes.
  clock.now += 20_000;
  expect((await scrape()).models).toEqual({});
});

test(`many models resting: at most ${MAX_KEY_MODEL_SERIES} get series of their own, the rest add up under "other"`, async () => {
  const states = gw.ctx.keyPool.states;
  states.setAside('openai', scopedSlot(spare, 'gpt-4.1'), clock.now);
  states.coolUntil('openai', scopedSlot(envSlot(gw), 'gpt-4.1'), clock.now + 60_000, clock.now);
  for (let i = 0; i < 30; i++) states.coolUntil('openai', scopedSlot(envSlot(gw), `ft:gpt-4o-mini:acme::${i}`), clock.now + 60_000, clock.now);
  const { models } = await scrape();
  const series = new Set(Object.keys(models).map((k) => k.split('/').slice(0, -1).join('/')));
  expect(series.size).toBe(MAX_KEY_MODEL_SERIES + 1);
  // The model with the most resting keys keeps its own series; nothing is lost in the fold.
  expect(models['openai/gpt-4.1/set_aside']).toBe(1);
  expect(models['openai/gpt-4.1/cooling']).toBe(1);
  const cooling = Object.entries(models).filter(([k]) => k.endsWith('/cooling')).reduce((a, [, v]) => a + v, 0);
  expect(cooling).toBe(31);
  expect(models['openai/other/cooling']).toBe(31 - MAX_KEY_MODEL_SERIES);
});

test('a model named "other" (a client may ask for `openai/other`) resting beside the fold is one series, not two', async () => {
  const states = gw.ctx.keyPool.states;
  states.setAside('openai', scopedSlot(spare, 'other'), clock.now);
  states.setAside('openai', scopedSlot(envSlot(gw), 'other'), clock.now);
  // The scrape parses (a duplicate series would throw), and the named model's keys are in the sum.
  const { models } = await scrape();
  expect(models['openai/other/set_aside']).toBe(2);
  const sum = (state: string) => Object.entries(models).filter(([k]) => k.endsWith(`/${state}`)).reduce((a, [, v]) => a + v, 0);
  expect([sum('cooling'), sum('set_aside')]).toEqual([31, 3]);
  expect(new Set(Object.keys(models).map((k) => k.split('/').slice(0, -1).join('/'))).size).toBe(MAX_KEY_MODEL_SERIES);
});
