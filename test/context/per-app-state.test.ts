/**
 * Per-app state lives in AppContext, typed: two gateways in one process share nothing (no
 * module-level caches), and code reads the parts directly instead of probing them at run time.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, api, json, login } from '../helpers/admin-harness';

setDefaultTimeout(30_000);

function completion(model: string, content: string) {
  const base = fixtureJson('usage', 'openai-chat.json');
  return { ...base, model, choices: [{ ...base.choices[0], message: { role: 'assistant', content, refusal: null, annotations: [] } }] };
}

let fake: FakeUpstream;
let a: TestGateway;
let b: TestGateway;
// a's auth clock runs this far ahead of the real one; b keeps the real one.
let aheadOnA = 0;

beforeAll(async () => {
  // One fake for every provider the dispatcher can reach: the classifier (gpt-5.4-nano) answers 9.
  fake = startFakeUpstream((_req, rec) => jsonResponse(completion(rec.body.model, rec.body.model === 'gpt-5.4-nano' ? '9' : 'ok')));
  const env = Object.assign({}, ...(['openai', 'deepseek', 'moonshot', 'grok'] as const).map((p) => providerEnv(p, `${fake.url}/v1`)));
  a = await startGateway({ env, authClock: () => Date.now() + aheadOnA });
  b = await startGateway({ env });
});
afterAll(async () => {
  await a.close();
  await b.close();
  fake.close();
});

const classifierCalls = () => fake.requests.filter((r) => r.body.model === 'gpt-5.4-nano').length;
const ask = (gw: TestGateway) =>
  gw.openai().chat.completions.create({ model: 'dispatcher', messages: [{ role: 'user', content: 'Prove that the loop terminates.' }] }).withResponse();

describe('classifier scores are cached per app', () => {
  test('the same prompt is scored once per gateway, not once per process', async () => {
    const first = await ask(a);
    expect(first.response.headers.get('x-gophergate-route')).toBe('dispatcher>heavy-logic>deepseek-v4-pro');
    expect(classifierCalls()).toBe(1);
    expect(a.ctx.scoreCache.size).toBe(1);

    await ask(a); // cached in a's context
    expect(classifierCalls()).toBe(1);

    // b has its own cache: it asks its classifier (a module-level cache would have answered).
    const other = await ask(b);
    expect(other.response.headers.get('x-gophergate-route')).toBe('dispatcher>heavy-logic>deepseek-v4-pro');
    expect(classifierCalls()).toBe(2);
    expect(b.ctx.scoreCache.size).toBe(1);
  });
});

describe('typed parts of the context', () => {
  test('ctx.metrics is what the log sink counts and /metrics reports', async () => {
    const { response } = await a.openai().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.status).toBe(200);
    const chatRows = [...a.ctx.metrics.requests.entries()].filter((e) => JSON.stringify(e).includes('gpt-4o-mini'));
    expect(chatRows.length).toBe(1);
    // b served no gpt-4o-mini request: its metrics are its own.
    expect([...b.ctx.metrics.requests.entries()].filter((e) => JSON.stringify(e).includes('gpt-4o-mini')).length).toBe(0);
    const text = await (await a.fetch('/metrics')).text();
    expect(text).toContain('model="gpt-4o-mini"');
  });

  test('the breakers offer the side-effect-free health view routing uses', () => {
    expect(a.ctx.breakers.available('openai', 'gpt-4o-mini')).toBe(true);
    expect(a.ctx.adapterDeps).not.toBe(b.ctx.adapterDeps);
    expect(a.ctx.responseStore).not.toBe(b.ctx.responseStore);
    expect(a.ctx.pendingLogWrites).not.toBe(b.ctx.pendingLogWrites);
  });
});

describe('auth state is per app', () => {
  const me = (gw: TestGateway, as: Awaited<ReturnType<typeof login>>) => api(gw, 'GET', '/api/auth/me', { as });

  test('sessions: a session of a is unknown to b, though both sign tokens with the same key', async () => {
    const onA = await login(a, 'admin', ADMIN_PASSWORD);
    expect((await me(a, onA)).status).toBe(200);
    expect(a.ctx.auth.cache.size).toBeGreaterThan(0);
    // A cache shared by both apps would let b accept a's session (the token decodes on b).
    const r = await me(b, onA);
    expect(r.status).toBe(401);
    expect((await json(r)).error).toMatchObject({ type: 'authentication_error', code: 'invalid_session' });
    expect(b.ctx.auth.cache.size).toBe(0);
  });

  test('the clock: moving a\'s past the session lifetime ends a\'s sessions only', async () => {
    const onA = await login(a, 'admin', ADMIN_PASSWORD);
    const onB = await login(b, 'admin', ADMIN_PASSWORD);
    try {
      aheadOnA = a.ctx.auth.sessionTtlMs + 1_000;
      expect(a.ctx.auth.now()).toBeGreaterThan(b.ctx.auth.now() + a.ctx.auth.sessionTtlMs);
      expect((await me(a, onA)).status).toBe(401);
      expect((await me(b, onB)).status).toBe(200);
    } finally {
      aheadOnA = 0;
    }
  });

  test('the login throttle: failures on a lock admin on a, not on b', async () => {
    const signIn = (gw: TestGateway, password: string) => api(gw, 'POST', '/api/auth/login', { body: { username: 'admin', password } });
    for (let i = 0; i < a.ctx.auth.perUser.maxFailures; i++) expect((await signIn(a, `wrong-${i}`)).status).toBe(401);
    const locked = await signIn(a, ADMIN_PASSWORD);
    expect(locked.status).toBe(429);
    expect((await json(locked)).error.code).toBe('login_throttled');
    expect(b.ctx.auth.throttle.keys()).toEqual([]);
    expect((await signIn(b, ADMIN_PASSWORD)).status).toBe(200);
  });
});
