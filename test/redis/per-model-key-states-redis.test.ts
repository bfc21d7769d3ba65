/**
 * Key states per model shared through Redis: a key A saw rate-limited for one model is skipped by
 * B for that model only; B's 429 without retry-after carries the wait A's cooldown set; an admin
 * change on A brings the key back on B for every model.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { jsonResponse, replayJson, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { eventually } from '../helpers/redis-env';
import type { Cluster } from './cluster';
import { POOL_KEY, startPoolKeyCluster, type PoolKeyCluster } from './pool-key-cluster';

setDefaultTimeout(30_000);

const ENV_KEY = 'sk-test-openai-key-0123456789';
const rateLimited = { error: { message: 'Rate limit reached for gpt-4o on requests per min (RPM).', type: 'requests', param: null, code: 'rate_limit_exceeded' } };

let env: PoolKeyCluster;
let upstream: FakeUpstream;
let cluster: Cluster;
let A: TestGateway;
let B: TestGateway;
let poolKeyId: string;

/** `key model` pairs refused 429, with the retry-after given (null: none). */
const refuse = new Map<string, string | null>();
const handler: FakeHandler = (req, rec, fake) => {
  const r = refuse.get(`${req.headers.get('authorization')!.replace('Bearer ', '')} ${rec.body?.model}`);
  if (r === undefined) return replayJson('openai', 'chat.json')(req, rec, fake);
  return jsonResponse(rateLimited, 429, r === null ? {} : { 'retry-after': r });
};

beforeAll(async () => {
  env = await startPoolKeyCluster(handler);
  ({ upstream, cluster, A, B, poolKeyId } = env);
});
afterAll(() => env?.close());

const chat = (gw: TestGateway, model: string) => gw.openai().chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
const keysSince = (n: number) => upstream.requests.slice(n).map((r) => r.headers.authorization!.replace('Bearer ', ''));

test("a key rate-limited on A for gpt-4o is skipped by B for gpt-4o only; B's 429 without retry-after carries A's wait", async () => {
  refuse.set(`${POOL_KEY} gpt-4o`, '10');
  expect((await chat(A, 'openai/gpt-4o')).object).toBe('chat.completion'); // the pool key refused, the env key answers
  expect(await eventually(() => B.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o').state === 'cooling', 10_000)).toBe(true);
  expect(B.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini')).toEqual({ state: 'active' });

  let seen = upstream.requests.length;
  for (let i = 0; i < 2; i++) expect((await chat(B, 'openai/gpt-4o-mini')).object).toBe('chat.completion');
  expect(keysSince(seen)).toContain(POOL_KEY); // before: the key cooled for every model on every instance
  seen = upstream.requests.length;
  refuse.set(`${ENV_KEY} gpt-4o`, null);
  const e = await apiError(chat(B, 'openai/gpt-4o'));
  expect(keysSince(seen)).toEqual([ENV_KEY]);
  expect(e.status).toBe(429);
  // The env key now cools 60 s; the pool key is back first, within A's 10 s.
  const wait = Number(e.headers?.get('retry-after'));
  expect(wait).toBeGreaterThanOrEqual(1);
  expect(wait).toBeLessThanOrEqual(10);
});

test("an admin change of the key on A brings it back on B for every model", async () => {
  expect(B.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o').state).toBe('cooling');
  A.ctx.keyPool.reset('openai', poolKeyId);
  expect(await eventually(() => B.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o').state === 'active', 10_000)).toBe(true);
});
