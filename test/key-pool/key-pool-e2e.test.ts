/**
 * Provider key pools through the real gateway, driven by the official openai client: the fake
 * upstreams record the key each request carried (`Authorization`, or Gemini's `x-goog-api-key`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { modelGroups, providerKeys } from '../../src/db/schema';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { jsonResponse, readChunks, replayJson, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const ENV_KEY = 'sk-test-openai-key-0123456789'; // providerEnv's key: pool member `env`
const POOL_KEY = 'sk-pool-second-key-abcdWXYZ';
const msgs = [{ role: 'user' as const, content: 'hi' }];
const bearer = (k: string) => `Bearer ${k}`;

let openai: FakeUpstream;
let deepseek: FakeUpstream;
let gw: TestGateway;
let poolKeyId: string;
const clock = { now: 1_800_000_000_000 };

/** Answers OpenAI's chat.json, except for keys whose status is set in `refuse`. */
const refuse = new Map<string, { status: number; headers?: Record<string, string> }>();

const answerOrRefuse: FakeHandler = (req, recorded, fake) => {
  const r = refuse.get(req.headers.get('authorization') ?? '');
  // The upstream's message quotes the key, as OpenAI's does: it must never reach a row.
  if (r) return jsonResponse({ error: { message: `Refused key ${req.headers.get('authorization')}`, code: 'nope' } }, r.status, r.headers);
  return replayJson('openai', 'chat.json')(req, recorded, fake);
};

beforeAll(async () => {
  openai = startFakeUpstream(answerOrRefuse);
  deepseek = startFakeUpstream(replayJson('deepseek', 'chat.json'));
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('deepseek', `${deepseek.url}/v1`) } });
  poolKeyId = (await addProviderKey(gw.ctx, 'openai', { key: POOL_KEY, weight: 3, label: 'second' })).id;
  gw.ctx.db.insert(modelGroups).values({ name: 'pair', strategy: 'heuristic', targets: ['openai/gpt-4o-mini', 'deepseek/deepseek-chat'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  openai.close();
  deepseek.close();
});
beforeEach(() => {
  // A fresh pool (states and round-robin) per test, on a clock the test moves.
  gw.ctx.keyPool = new ProviderKeyPool(undefined, () => clock.now);
  refuse.clear();
  openai.requests.length = 0;
  deepseek.requests.length = 0;
});

async function chat(model = 'openai/gpt-4o-mini') {
  const { data, response } = await gw.openai().chat.completions.create({ model, messages: msgs }).withResponse();
  expect(data.object).toBe('chat.completion');
  const id = response.headers.get('x-request-id')!;
  const deadline = Date.now() + 10_000;
  while (!gw.logs.some((l) => l.requestId === id) && Date.now() < deadline) await Bun.sleep(5);
  return { response, row: gw.logs.find((l) => l.requestId === id)! };
}
const keysSeen = (f: FakeUpstream) => f.requests.map((r) => r.headers.authorization);

test('the env key and an added key share traffic by weight (1:3), each row naming its key', async () => {
  const rows = [];
  for (let i = 0; i < 8; i++) rows.push((await chat()).row);
  const seen = keysSeen(openai);
  expect(seen.filter((k) => k === bearer(POOL_KEY)).length).toBe(6);
  expect(seen.filter((k) => k === bearer(ENV_KEY)).length).toBe(2);
  // Each row's provider_key_id is the key the fake saw for that request (same order: sequential).
  expect(rows.map((r) => r.providerKeyId)).toEqual(seen.map((k) => (k === bearer(POOL_KEY) ? poolKeyId : 'env')));
});

test('a 429 moves traffic to the other key until its retry-after has passed', async () => {
  refuse.set(bearer(POOL_KEY), { status: 429, headers: { 'retry-after': '30' } });
  const first = await chat(); // the weighted pick is the pool key: refused, then the env key
  expect(first.response.headers.get('x-gophergate-provider')).toBe('openai');
  expect(keysSeen(openai)).toEqual([bearer(POOL_KEY), bearer(ENV_KEY)]);
  const attempts = JSON.parse(first.row.attempts!);
  expect(attempts.map((a: any) => [a.key, a.keyLast4, a.status])).toEqual([['second', 'WXYZ', 429], ['env', '6789', 200]]);
  expect(first.row.attempts).not.toContain(POOL_KEY);
  expect(first.row.providerKeyId).toBe('env');
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini')).toEqual({ state: 'cooling', until: clock.now + 30_000 });

  refuse.clear();
  openai.requests.length = 0;
  for (let i = 0; i < 4; i++) await chat();
  expect(keysSeen(openai)).toEqual(Array(4).fill(bearer(ENV_KEY)));

  clock.now += 30_000;
  openai.requests.length = 0;
  for (let i = 0; i < 4; i++) await chat();
  expect(keysSeen(openai).filter((k) => k === bearer(POOL_KEY)).length).toBe(3);
});

test('a 429 without retry-after cools the key for 60 s', async () => {
  refuse.set(bearer(POOL_KEY), { status: 429 });
  await chat();
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini')).toEqual({ state: 'cooling', until: clock.now + 60_000 });
});

for (const [name, headers] of [
  ['retry-after: 0', { 'retry-after': '0' }],
  ['retry-after-ms: 0', { 'retry-after-ms': '0' }],
  ["OpenAI's x-ratelimit-reset-requests: 0s", { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '0s' }],
] as const) {
  test(`a 429 with ${name} means "at once": the key is probed by the next request, not rested 60 s`, async () => {
    refuse.set(bearer(POOL_KEY), { status: 429, headers });
    await chat(); // the pool key refused, the env key answers
    // Before: read as no value, the key cooled until now + 60 s and the next requests all avoided it.
    expect(gw.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini')).toEqual({ state: 'active', probeDue: true });
    refuse.clear();
    openai.requests.length = 0;
    await chat();
    expect(keysSeen(openai)).toEqual([bearer(POOL_KEY)]);
  });
}

test("a 429 naming its wait in OpenAI's limit headers (20ms) rests the key that long, not a whole second", async () => {
  refuse.set(bearer(POOL_KEY), { status: 429, headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '20ms' } });
  await chat();
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini')).toEqual({ state: 'cooling', until: clock.now + 20 });
});

test("a 429's retry-after rests the key at most a day: a wait of years from the upstream does not take the key out for good", async () => {
  refuse.set(bearer(POOL_KEY), { status: 429, headers: { 'retry-after': String(10 * 365 * 86_400) } });
  await chat();
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId, 'gpt-4o-mini')).toEqual({ state: 'cooling', until: clock.now + 24 * 3600_000 });
});

test('a 401 sets a key aside; the request still succeeds on the other key, and later ones avoid it', async () => {
  refuse.set(bearer(POOL_KEY), { status: 401 });
  const { row } = await chat();
  expect(row.status).toBe(200);
  expect(keysSeen(openai)).toEqual([bearer(POOL_KEY), bearer(ENV_KEY)]);
  expect(JSON.parse(row.attempts!).map((a: any) => [a.key, a.status])).toEqual([['second', 502], ['env', 200]]);
  expect(row.attempts).not.toContain(POOL_KEY);
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId).state).toBe('set_aside');

  refuse.clear();
  clock.now += 24 * 3600_000;
  openai.requests.length = 0;
  for (let i = 0; i < 4; i++) await chat();
  expect(keysSeen(openai)).toEqual(Array(4).fill(bearer(ENV_KEY)));
});

test("one key rate-limited, the other refused (401): the client gets the 429 and its wait, not the refusal, whatever the keys' order", async () => {
  refuse.set(bearer(POOL_KEY), { status: 429, headers: { 'retry-after': '5' } });
  refuse.set(bearer(ENV_KEY), { status: 401 });
  const e = await apiError(gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: msgs }));
  expect(keysSeen(openai)).toEqual([bearer(POOL_KEY), bearer(ENV_KEY)]); // the weighted pick first, the env key last
  // Before: 502 upstream_auth_failed, the last key's refusal (the other order gave the 429).
  expect([e.status, e.headers?.get('retry-after')]).toEqual([429, '5']);
  const row = gw.logs.find((l) => l.requestId === e.headers?.get('x-request-id'))!;
  expect(row.status).toBe(429);
  expect(JSON.parse(row.attempts!).map((a: any) => [a.key, a.status])).toEqual([['second', 429], ['env', 502]]);
});

test('one key rate-limited, the next one answering 404 (the model not served through it): the client gets the 429 and its wait, as a group does across targets', async () => {
  refuse.set(bearer(POOL_KEY), { status: 429, headers: { 'retry-after': '5' } });
  refuse.set(bearer(ENV_KEY), { status: 404 });
  const e = await apiError(gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: msgs }));
  expect(keysSeen(openai)).toEqual([bearer(POOL_KEY), bearer(ENV_KEY)]);
  // Before: 404 model_not_found, which no client retries, while the first key serves after 5 s.
  expect([e.status, e.headers?.get('retry-after')]).toEqual([429, '5']);
  const row = gw.logs.find((l) => l.requestId === e.headers?.get('x-request-id'))!;
  expect(row.status).toBe(429);
  expect(JSON.parse(row.attempts!).map((a: any) => [a.key, a.status])).toEqual([['second', 429], ['env', 404]]);
});

test('a 500 is the provider failing, not the key: no other key is tried, the next target is', async () => {
  openai.handler = () => jsonResponse({ error: { message: 'boom' } }, 500);
  try {
    const { row, response } = await chat('pair');
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(openai.requests.length).toBe(1);
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['openai', 502], ['deepseek', 200]]);
    expect(gw.ctx.keyPool.stateOf('openai', poolKeyId).state).toBe('active');
  } finally {
    openai.handler = answerOrRefuse;
  }
});

test('a 402 (out of credit) cools the key for 10 minutes; the request succeeds on the other key', async () => {
  refuse.set(bearer(POOL_KEY), { status: 402 });
  const { row } = await chat();
  expect(row.status).toBe(200);
  expect(keysSeen(openai)).toEqual([bearer(POOL_KEY), bearer(ENV_KEY)]);
  expect(gw.ctx.keyPool.stateOf('openai', poolKeyId)).toEqual({ state: 'cooling', until: clock.now + 10 * 60_000 });
});

test("a 429 that says the account is out of credit (OpenAI's insufficient_quota) cools the key for 10 minutes, as a 402 does", async () => {
  openai.handler = (req, recorded, fake) =>
    req.headers.get('authorization') === bearer(POOL_KEY)
      ? jsonResponse({ error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } }, 429)
      : answerOrRefuse(req, recorded, fake);
  try {
    const { row } = await chat();
    expect(row.status).toBe(200);
    expect(keysSeen(openai)).toEqual([bearer(POOL_KEY), bearer(ENV_KEY)]);
    expect(gw.ctx.keyPool.stateOf('openai', poolKeyId)).toEqual({ state: 'cooling', until: clock.now + 10 * 60_000 });
  } finally {
    openai.handler = answerOrRefuse;
  }
});

for (const status of [429, 401, 402]) {
  test(`every key failing (${status}) falls back to the group's next target`, async () => {
    refuse.set(bearer(POOL_KEY), { status });
    refuse.set(bearer(ENV_KEY), { status });
    const { row, response } = await chat('pair');
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(keysSeen(openai).sort()).toEqual([bearer(ENV_KEY), bearer(POOL_KEY)].sort());
    expect(deepseek.requests.length).toBe(1);
    const attempts = JSON.parse(row.attempts!);
    expect(attempts.map((a: any) => a.provider)).toEqual(['openai', 'openai', 'deepseek']);
    expect(attempts.at(-1).key).toBe('env'); // deepseek's own env key
    expect(row.provider).toBe('deepseek');
  });
}

test('a stream also moves to the next key when the weighted pick answers 429', async () => {
  refuse.set(bearer(POOL_KEY), { status: 429, headers: { 'retry-after': '5' } });
  openai.handler = (req, recorded, fake) =>
    refuse.has(req.headers.get('authorization') ?? '') ? answerOrRefuse(req, recorded, fake) : sseResponse(readChunks('openai', 'text.chunks.txt'));
  try {
    const stream = await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: msgs, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(keysSeen(openai)).toEqual([bearer(POOL_KEY), bearer(ENV_KEY)]);
  } finally {
    openai.handler = answerOrRefuse;
  }
});

test('an upstream quoting a refused pool key (of any shape) never gets it into a row or an answer', async () => {
  const odd = 'plainsecretvalueNOPREFIX77';
  const { id } = await addProviderKey(gw.ctx, 'openai', { key: odd, weight: 100, label: 'odd' });
  try {
    refuse.set(bearer(odd), { status: 401 });
    refuse.set(bearer(POOL_KEY), { status: 401 });
    refuse.set(bearer(ENV_KEY), { status: 401 });
    // Its own client: the error answer carries no request id, so the row is found by client.
    const client = gw.addClient('quoting');
    const res = await gw.fetch('/v1/chat/completions', {
      method: 'POST', headers: { authorization: `Bearer ${client.key}` }, body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: msgs }),
    });
    expect(res.status).toBe(502);
    const text = await res.text();
    const row = gw.logs.find((l) => l.clientId === client.id)!;
    expect(row.status).toBe(502);
    for (const k of [odd, POOL_KEY, ENV_KEY]) {
      expect(text).not.toContain(k);
      expect(JSON.stringify(row)).not.toContain(k);
    }
    expect(JSON.parse(row.attempts!).map((a: any) => a.key)).toEqual(['odd', 'second', 'env']);
  } finally {
    gw.ctx.db.delete(providerKeys).where(eq(providerKeys.id, Number(id))).run();
    gw.ctx.state.reload();
  }
});

test('a key is stored encrypted: the raw row holds neither the key nor its plaintext', () => {
  const raw = gw.ctx.sqlite.query('SELECT * FROM provider_keys WHERE id = ?').get(Number(poolKeyId)) as Record<string, unknown>;
  expect(JSON.stringify(raw)).not.toContain(POOL_KEY);
  expect(raw.key_last4).toBe('WXYZ');
  expect(gw.ctx.secretBox.decrypt(raw.key_encrypted as string)).toBe(POOL_KEY);
  const row = gw.ctx.db.select().from(providerKeys).where(eq(providerKeys.id, Number(poolKeyId))).get()!;
  expect(row).toMatchObject({ provider: 'openai', label: 'second', weight: 3 });
});

describe('Gemini (the key goes in x-goog-api-key)', () => {
  const G1 = 'AIzaSyFAKE-gemini-key-one-1111';
  const G2 = 'AIzaSyFAKE-gemini-key-two-2222';
  let gemini: FakeUpstream;
  let g: TestGateway;
  let refused: string | null = null;
  /** Google's real 429: no retry-after header, the wait is a RetryInfo detail of the body. */
  let quotaBody = false;
  const quota429 = () =>
    jsonResponse({
      error: {
        code: 429,
        message: 'You exceeded your current quota, please check your plan and billing details. Please retry in 36.4s.',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '36.4s' },
        ],
      },
    }, 429);
  beforeAll(async () => {
    gemini = startFakeUpstream((req) =>
      req.headers.get('x-goog-api-key') === refused
        ? quotaBody
          ? quota429()
          : jsonResponse([{ error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' } }], 429, { 'retry-after': '10' })
        : replayJson('gemini', 'text.json')(req, null as never, null as never),
    );
    g = await startGateway({
      env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: gemini.url, GEMINI_API_KEY: G1 },
      keyPool: new ProviderKeyPool(undefined, () => clock.now),
    });
    await addProviderKey(g.ctx, 'gemini', { key: G2, label: 'two' });
  });
  afterAll(async () => {
    await g.close();
    gemini.close();
  });

  test('keys alternate at equal weights, and a 429 moves traffic to the other key', async () => {
    const call = () => g.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: msgs });
    for (let i = 0; i < 4; i++) await call();
    const seen = () => gemini.requests.map((r) => r.headers['x-goog-api-key']);
    expect(seen().filter((k) => k === G1).length).toBe(2);
    expect(seen().filter((k) => k === G2).length).toBe(2);
    expect(gemini.requests.every((r) => !r.search.includes('key='))).toBe(true);

    refused = G2;
    gemini.requests.length = 0;
    for (let i = 0; i < 4; i++) await call();
    // G2 is tried once (refused, then G1 answers), then cools for 10 s.
    expect(seen().filter((k) => k === G2).length).toBe(1);
    expect(seen().filter((k) => k === G1).length).toBe(4);
    expect(g.ctx.keyPool.stateOf('gemini', g.ctx.state.getSnapshot().providers.get('gemini')!.keys![1]!.id, 'gemini-2.5-flash').state).toBe('cooling');
  });

  test("Google's 429 names its wait only in the body (RetryInfo): the key rests that long, and the client is told to wait it out", async () => {
    refused = G1;
    quotaBody = true;
    const g1 = g.ctx.state.getSnapshot().providers.get('gemini')!.keys![0]!; // the env key: its state is under its own slot
    const g2 = g.ctx.state.getSnapshot().providers.get('gemini')!.keys![1]!.id;
    // Both keys rest (G2 from the test above until its 10 s pass, then G1 here): the client's 429.
    // G2 is back first: the first request probes it (it answers), then G1 gets its turn and is refused.
    clock.now += 11_000;
    for (let i = 0; i < 3 && g.ctx.keyPool.stateOf('gemini', g1, 'gemini-2.5-flash').state === 'active'; i++) {
      await g.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: msgs }).catch(() => {});
    }
    expect(g.ctx.keyPool.stateOf('gemini', g1, 'gemini-2.5-flash')).toEqual({ state: 'cooling', until: clock.now + 37_000 });
    refused = G2;
    const res = await fetch(`${g.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': g.clientKey, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', max_tokens: 64, messages: msgs }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('37');
    expect(((await res.json()) as any).error.type).toBe('rate_limit_error');
    expect(g.ctx.keyPool.stateOf('gemini', g2, 'gemini-2.5-flash')).toEqual({ state: 'cooling', until: clock.now + 37_000 });
  });
});
