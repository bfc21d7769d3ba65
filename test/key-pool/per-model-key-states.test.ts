/**
 * Key states per model, through the real gateway with the official openai client: providers whose
 * rate limits count per model (OpenAI, Anthropic per model class) rest a key for the refused model
 * only, a 403 refusing one model sets the key aside for that model only, and a 429 the upstream
 * sent without `retry-after` reaches the client with the pool's own (earliest cooldown end).
 */
import { afterAll, beforeAll, beforeEach, expect, setDefaultTimeout, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { fixtureJson, jsonResponse, replayJson, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { envKeyOf } from '../helpers/env-key';

setDefaultTimeout(30_000);

const ENV_KEY = 'sk-test-openai-key-0123456789';
const POOL_KEY = 'sk-pool-second-key-abcdWXYZ';
const ANT_ENV = 'sk-test-anthropic-key-0123456789';
const ANT_POOL = 'sk-ant-pool-second-key-efghQRST';
const msgs = [{ role: 'user' as const, content: 'hi' }];

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let poolKeyId: string;
let antPoolId: string;
const clock = { now: 1_800_000_000_000 };

/** Refusals by `key model`: the status, body and headers the fake answers with. */
const refuse = new Map<string, { status: number; body: unknown; headers?: Record<string, string> }>();
const byKeyAndModel =
  (keyOf: (req: Request) => string, ok: FakeHandler): FakeHandler =>
  (req, rec, fake) => {
    const counting = rec.path.endsWith('/count_tokens');
    const r = refuse.get(`${keyOf(req)} ${counting ? 'count_tokens ' : ''}${rec.body?.model}`);
    if (r) return jsonResponse(r.body, r.status, r.headers);
    return counting ? jsonResponse({ input_tokens: 12 }) : ok(req, rec, fake);
  };

const rateLimited = { error: { message: 'Rate limit reached for gpt-4o in organization org-abc on requests per min (RPM): Limit 500, Used 500, Requested 1.', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
const noQuota = { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } };
const noAccess = { error: { message: 'Project `proj_abc` does not have access to model `gpt-4o`', type: 'invalid_request_error', param: null, code: 'model_not_found' } };
const badKey = { error: { message: 'Incorrect API key provided: sk-pool-***WXYZ.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } };
const antDenied = { type: 'error', error: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' } };

beforeAll(async () => {
  openai = startFakeUpstream(byKeyAndModel((req) => req.headers.get('authorization')!.replace('Bearer ', ''), replayJson('openai', 'chat.json')));
  anthropic = startFakeUpstream(byKeyAndModel((req) => req.headers.get('x-api-key')!, replayJson('anthropic', 'text.json')));
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('anthropic', anthropic.url) } });
  poolKeyId = (await addProviderKey(gw.ctx, 'openai', { key: POOL_KEY, weight: 3, label: 'second' })).id;
  antPoolId = (await addProviderKey(gw.ctx, 'anthropic', { key: ANT_POOL, weight: 3, label: 'second' })).id;
});
afterAll(async () => {
  await gw.close();
  openai.close();
  anthropic.close();
});
beforeEach(() => {
  gw.ctx.keyPool = new ProviderKeyPool(undefined, () => clock.now);
  refuse.clear();
  openai.requests.length = 0;
  anthropic.requests.length = 0;
});

const chat = (model: string) => gw.openai().chat.completions.create({ model, messages: msgs });
const keysSeen = () => openai.requests.map((r) => r.headers.authorization!.replace('Bearer ', ''));
const antKeysSeen = () => anthropic.requests.map((r) => r.headers['x-api-key']);
/** Four requests for the model, all answered; the keys the upstream saw. */
async function four(model: string, seen = keysSeen) {
  const before = seen().length;
  for (let i = 0; i < 4; i++) expect((await chat(model)).object).toBe('chat.completion');
  return seen().slice(before);
}
const countOf = (keys: string[], k: string) => keys.filter((x) => x === k).length;

test('a 429 on gpt-4o rests the key for gpt-4o only: gpt-4o-mini keeps its weighted share of it', async () => {
  refuse.set(`${POOL_KEY} gpt-4o`, { status: 429, body: rateLimited, headers: { 'retry-after': '30' } });
  expect((await chat('openai/gpt-4o')).object).toBe('chat.completion'); // the pool key refused, the env key answers
  expect(keysSeen()).toEqual([POOL_KEY, ENV_KEY]);
  expect(countOf(await four('openai/gpt-4o-mini'), POOL_KEY)).toBe(3); // before: 0 (the key cooled for every model)
  expect(await four('openai/gpt-4o')).toEqual(Array(4).fill(ENV_KEY));
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId)).toEqual({ state: 'active' });
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o')).toEqual({ state: 'cooling', until: clock.now + 30_000 });
  // Back after its retry-after: one request probes it for gpt-4o, then the weights apply again.
  clock.now += 30_000;
  refuse.clear();
  expect(countOf(await four('openai/gpt-4o'), POOL_KEY)).toBeGreaterThanOrEqual(2);
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o')).toEqual({ state: 'active' });
});

test('an account out of quota is the key\'s for every model', async () => {
  refuse.set(`${POOL_KEY} gpt-4o`, { status: 429, body: noQuota });
  await chat('openai/gpt-4o');
  expect(await four('openai/gpt-4o-mini')).toEqual(Array(4).fill(ENV_KEY));
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId).state).toBe('cooling');
});

test('a 403 refusing one model sets the key aside for that model; a 401 for all', async () => {
  refuse.set(`${POOL_KEY} gpt-4o`, { status: 403, body: noAccess });
  expect((await chat('openai/gpt-4o')).object).toBe('chat.completion');
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o').state).toBe('set_aside');
  expect(countOf(await four('openai/gpt-4o-mini'), POOL_KEY)).toBe(3); // before: 0
  expect(await four('openai/gpt-4o')).toEqual(Array(4).fill(ENV_KEY));

  refuse.set(`${POOL_KEY} gpt-4o-mini`, { status: 401, body: badKey });
  await four('openai/gpt-4o-mini'); // the pool key's turn comes: refused, the env key answers
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId).state).toBe('set_aside');
  expect(await four('openai/gpt-4.1-mini')).toEqual(Array(4).fill(ENV_KEY));
  // An admin changing the key brings it back for every model.
  gw.ctx.keyPool.reset('openai', poolKeyId);
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o')).toEqual({ state: 'active' });
});

test("Anthropic's limits are per model class: a 429 on one Opus 4.x rests the key for every Opus 4.x, not for Sonnet", async () => {
  const body = fixtureJson('anthropic', 'error-429.json');
  refuse.set(`${ANT_POOL} claude-opus-4-6`, { status: 429, body, headers: { 'retry-after': '40' } });
  expect((await chat('anthropic/claude-opus-4-6')).object).toBe('chat.completion');
  expect(antKeysSeen()).toEqual([ANT_POOL, ANT_ENV]);
  expect(await four('anthropic/claude-opus-4-5', antKeysSeen)).toEqual(Array(4).fill(ANT_ENV));
  expect(countOf(await four('anthropic/claude-sonnet-4-5', antKeysSeen), ANT_POOL)).toBe(3);
});

test('an Anthropic permission_error sets the key aside for that model only', async () => {
  refuse.set(`${ANT_POOL} claude-opus-4-6`, { status: 403, body: antDenied });
  expect((await chat('anthropic/claude-opus-4-6')).object).toBe('chat.completion');
  expect(gw.ctx.keyPool.stateOf('anthropic', antPoolId).state).toBe('active');
  expect(countOf(await four('anthropic/claude-opus-4-5', antKeysSeen), ANT_POOL)).toBe(3);
  expect(await four('anthropic/claude-opus-4-6', antKeysSeen)).toEqual(Array(4).fill(ANT_ENV));
});

test("every key rate-limited, the last 429 without retry-after: the client's 429 carries the pool's earliest cooldown end", async () => {
  refuse.set(`${POOL_KEY} gpt-4o`, { status: 429, body: rateLimited, headers: { 'retry-after': '20' } });
  refuse.set(`${ENV_KEY} gpt-4o`, { status: 429, body: rateLimited });
  const first = await apiError(chat('openai/gpt-4o'));
  expect(first.status).toBe(429);
  expect(first.headers?.get('retry-after')).toBe('20'); // before: none (the env key's 429 carried none)
  // Still every key cooling: the one back first is tried (the upstream still refuses it, now without a wait).
  clock.now += 5_000;
  refuse.set(`${POOL_KEY} gpt-4o`, { status: 429, body: rateLimited });
  openai.requests.length = 0;
  const second = await apiError(chat('openai/gpt-4o'));
  expect(keysSeen()).toEqual([POOL_KEY]);
  // The env key's 60 s (from 5 s ago) ends first.
  expect(second.headers?.get('retry-after')).toBe('55');
});

test("every key rate-limited, each naming its wait: the client is told when the first key is back, not the last one tried", async () => {
  refuse.set(`${POOL_KEY} gpt-4o`, { status: 429, body: rateLimited, headers: { 'retry-after': '5' } });
  refuse.set(`${ENV_KEY} gpt-4o`, { status: 429, body: rateLimited, headers: { 'retry-after': '40' } });
  openai.requests.length = 0;
  const first = await apiError(chat('openai/gpt-4o'));
  expect(keysSeen()).toEqual([POOL_KEY, ENV_KEY]);
  expect([first.status, first.headers?.get('retry-after')]).toEqual([429, '5']); // before: 40, the env key's
  // 5 s on, the pool key (back first) is tried again and now names 50 s: the env key, not tried, is back in 35.
  clock.now += 5_000;
  refuse.set(`${POOL_KEY} gpt-4o`, { status: 429, body: rateLimited, headers: { 'retry-after': '50' } });
  openai.requests.length = 0;
  const second = await apiError(chat('openai/gpt-4o'));
  expect(keysSeen()).toEqual([POOL_KEY]);
  expect(second.headers?.get('retry-after')).toBe('35'); // before: 50
});

test('the same on /v1/messages: an Anthropic-shaped 429 with the pool\'s retry-after', async () => {
  const body = fixtureJson('anthropic', 'error-429.json');
  refuse.set(`${ANT_POOL} claude-sonnet-4-5`, { status: 429, body });
  refuse.set(`${ANT_ENV} claude-sonnet-4-5`, { status: 429, body });
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 64, messages: msgs }),
  });
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('60');
  const json = (await res.json()) as any;
  expect([json.type, json.error.type]).toEqual(['error', 'rate_limit_error']);
});

test("a 429 naming its wait only in OpenAI's other headers: the key rests that long and the client is told so", async () => {
  // The pool key spent its tokens for 6 minutes (its requests are fine); the env key names its wait in retry-after-ms.
  const tokensGone = { 'x-ratelimit-remaining-requests': '499', 'x-ratelimit-reset-requests': '120ms', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' };
  refuse.set(`${POOL_KEY} gpt-4o`, { status: 429, body: rateLimited, headers: tokensGone });
  refuse.set(`${ENV_KEY} gpt-4o`, { status: 429, body: rateLimited, headers: { 'retry-after-ms': '1500' } });
  const e = await apiError(chat('openai/gpt-4o'));
  expect(e.headers?.get('retry-after')).toBe('2'); // before: none, and both keys rested 60 s
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o')).toEqual({ state: 'cooling', until: clock.now + 360_000 });
  expect(gw.ctx.keyPool.stateOf('openai', envKeyOf(gw), 'gpt-4o')).toEqual({ state: 'cooling', until: clock.now + 1_500 }); // the exact wait, not its whole seconds
});

test("Anthropic's token counting has limits of its own: a 429 on count_tokens does not rest the key for the model's messages", async () => {
  const body = fixtureJson('anthropic', 'error-429.json');
  refuse.set(`${ANT_POOL} count_tokens claude-sonnet-4-5`, { status: 429, body, headers: { 'retry-after': '50' } });
  const count = await fetch(`${gw.url}/v1/messages/count_tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', messages: msgs }),
  });
  expect(count.status).toBe(200);
  expect(((await count.json()) as any).input_tokens).toBe(12);
  expect(antKeysSeen()).toEqual([ANT_POOL, ANT_ENV]); // the pool key refused, the env key counted
  expect(countOf(await four('anthropic/claude-sonnet-4-5', antKeysSeen), ANT_POOL)).toBe(3); // before: 0
});
