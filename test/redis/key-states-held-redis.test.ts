/**
 * With Redis, the key state store also names every slot it holds a state for (`held`, for a
 * resync). Clients naming ever new models (`openai/<anything>` is forwarded) make a slot per model
 * a 429 cools: once the model's probe answers, the slot is gone from the mirror and must go from
 * `held` too, else `held` grows with every model name ever refused.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { jsonResponse, replayJson, type FakeHandler } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { eventually } from '../helpers/redis-env';
import { POOL_KEY, startPoolKeyCluster, type PoolKeyCluster } from './pool-key-cluster';

setDefaultTimeout(60_000);

/** Models whose requests with the pool key are refused 429 (retry-after 1 s). */
const refused = new Set<string>();
const handler: FakeHandler = (req, rec, fake) => {
  const model = String(rec.body?.model);
  if (req.headers.get('authorization') !== `Bearer ${POOL_KEY}` || !refused.has(model)) return replayJson('openai', 'chat.json')(req, rec, fake);
  const error = { message: `Rate limit reached for ${model} on requests per min (RPM).`, type: 'requests', param: null, code: 'rate_limit_exceeded' };
  return jsonResponse({ error }, 429, { 'retry-after': '1' });
};

let env: PoolKeyCluster;
let A: TestGateway;
beforeAll(async () => {
  env = await startPoolKeyCluster(handler);
  A = env.A;
});
afterAll(() => env?.close());

const chat = (model: string) => A.openai().chat.completions.create({ model: `openai/${model}`, messages: [{ role: 'user', content: 'hi' }] });

test('slots of models whose probe answered leave held as they leave the mirror', async () => {
  const store = A.ctx.keyPool.states as any;
  const held = store.held as Map<string, unknown>;
  const start = held.size;
  const models = Array.from({ length: 20 }, (_, i) => `m-${i}-${crypto.randomUUID()}`);
  for (const m of models) refused.add(m);
  const cooling = (m: string) => A.ctx.keyPool.stateOf('openai', env.poolKeyId, m).state === 'cooling';
  // Until the weighted pick tried the pool key for the model (5 to the env key's 1); the env key answers.
  for (const m of models) for (let i = 0; i < 20 && !cooling(m); i++) expect((await chat(m)).object).toBe('chat.completion');
  expect(models.every(cooling)).toBe(true);
  expect(held.size).toBeGreaterThanOrEqual(start + models.length);
  refused.clear();
  // Each model's cooldown ends; its next request probes the pool key, which answers.
  expect(await eventually(() => !models.some(cooling), 10_000)).toBe(true);
  const seen = env.upstream.requests.length;
  for (const m of models) expect((await chat(m)).object).toBe('chat.completion');
  expect(env.upstream.requests.slice(seen).filter((r) => r.headers.authorization === `Bearer ${POOL_KEY}`).length).toBeGreaterThanOrEqual(models.length);
  expect(models.every((m) => A.ctx.keyPool.stateOf('openai', env.poolKeyId, m).state === 'active')).toBe(true);
  expect(held.size).toBe(start);
});
