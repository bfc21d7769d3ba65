/**
 * Property tests over real HTTP, signed in as admin: every mutating /api route given a valid body
 * with one hostile value planted at any path (any type, lone surrogates, NUL, bidi marks, 1 MB
 * strings, deep nesting, `__proto__`/`constructor` keys, duplicate keys), and every route given
 * hostile path parameters and query strings, answers in bounded time, never 500, never with
 * internals, always JSON in the admin API's error shape, and leaves the session working.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import { api, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { checkAnswer, checkOrCollect, jsonText, mutated, nastyString, pathsOf, plant, FUZZ_SEED, fuzzRuns } from './fuzz-http-kit';

setDefaultTimeout(60_000);
const RUNS = fuzzRuns(50);
const SEED = FUZZ_SEED;

let gw: TestGateway;
let admin: Session;
let userId: number;
let teamId: number;
let keyId: string;
let viewer: Session;
beforeAll(async () => {
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', OPENAI_API_KEY: 'sk-fuzz-openai-0123456789' } });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
  const u = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'fuzztarget', password: 'fuzz-target-password-1', role: 'viewer' } });
  userId = ((await u.json()) as any).id;
  const t = await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'fuzz team' } });
  teamId = ((await t.json()) as any).id;
  const k = await api(gw, 'POST', '/api/providers/openai/keys', { as: admin, body: { key: 'sk-fuzz-pool-key-0123456789', label: 'pool', weight: 2 } });
  keyId = String(((await k.json()) as any).id);
  // A viewer of its own, signed in now: the properties below may change fuzztarget's password or
  // role, and their failed sign-ins throttle this address (per address, SECURITY.md) past ~100 runs.
  const made = await api(gw, 'POST', '/api/users', { as: admin, body: { username: 'fuzzviewer', password: 'fuzz-viewer-password-1', role: 'viewer' } });
  expect(made.status).toBe(201);
  viewer = await login(gw, 'fuzzviewer', 'fuzz-viewer-password-1');
});
afterAll(() => gw?.close());

const limits = { models: ['*', 'openai/*'], budget_usd: 1.5, budget_period: 'day', rpm: 10, tpm: 1000 };
const mutations = (): { method: string; path: string; base: unknown }[] => [
  { method: 'POST', path: '/api/clients', base: { name: 'fuzz client', ...limits, max_parallel: 2, expires_at: '2026-12-31T23:59:59Z', team_id: teamId } },
  { method: 'PATCH', path: '/api/clients/1', base: { name: 'test client', ...limits, max_parallel: 2, expires_at: null } },
  { method: 'POST', path: '/api/teams', base: { name: 'fuzz team 2', ...limits } },
  { method: 'PATCH', path: '/api/teams/:team', base: { name: 'fuzz team', ...limits } },
  { method: 'POST', path: '/api/users', base: { username: 'fuzzuser', password: 'a-long-enough-password-1', role: 'viewer', must_change_password: true } },
  { method: 'PATCH', path: '/api/users/:user', base: { role: 'viewer', password: 'another-long-password-2', must_change_password: false } },
  { method: 'POST', path: '/api/providers/openai/keys', base: { key: 'sk-fuzz-another-key-0123456789', label: 'second', weight: 3 } },
  { method: 'PATCH', path: '/api/providers/openai/keys/:key', base: { label: 'pool', weight: 2 } },
  { method: 'PATCH', path: '/api/providers/ollama', base: { enabled: false, base_url: 'http://127.0.0.1:1/v1', api_key: null } },
  { method: 'POST', path: '/api/models', base: { id: 'mock/fuzz', provider: 'mock', upstream_id: 'echo', kind: 'chat', input_price: 1, output_price: 2, context_window: 1000, max_output_tokens: 100 } },
  { method: 'PATCH', path: '/api/models/gpt-4o-mini', base: { enabled: true, input_price: 0.15, cached_input_price: 0.075, output_price: 0.6, context_window: 128000, max_output_tokens: 16384, flex_price_multiplier: 0.5 } },
  { method: 'POST', path: '/api/groups', base: { name: 'fuzz-group', strategy: 'heuristic', targets: ['mock/echo', 'gpt-4o-mini'], logic_level: 3, primary_use: 'x', settings: { rules: [] } } },
  { method: 'PUT', path: '/api/groups/fast-flow', base: { strategy: 'heuristic', targets: ['mock/echo'], logic_level: 2 } },
  { method: 'POST', path: '/api/groups/try', base: { model: 'fast-flow', prompt: 'hello' } },
  { method: 'POST', path: '/api/auth/login', base: { username: 'nobody', password: 'not-a-password' } },
  { method: 'POST', path: '/api/auth/change-password', base: { current_password: 'not-the-password', new_password: 'a-new-long-password-3' } },
];

/** The session still works: nothing the fuzz sent broke it or the gateway. */
async function stillServes(what: string) {
  const r = await api(gw, 'GET', '/api/auth/me', { as: admin });
  expect(r.status, `after ${what}`).toBe(200);
}

describe('a valid admin body with one hostile value, on every mutating /api route', () => {
  for (const m of mutations()) {
    test(`${m.method} ${m.path}`, async () => {
      // Ids exist once the gateway is up: the bodies are made again then.
      const base = mutations().find((x) => x.method === m.method && x.path === m.path)!.base;
      const path = m.path.replace(':team', String(teamId)).replace(':user', String(userId)).replace(':key', keyId);
      await fc.assert(
        fc.asyncProperty(mutated(base), fc.boolean(), async (b, dup) => {
          const text = jsonText(b, dup);
          const what = `${m.method} ${path} ${text.slice(0, 300)}`;
          const r = await fetch(`${gw.url}${path}`, {
            method: m.method, body: text, signal: AbortSignal.timeout(30_000),
            headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
          });
          if (process.env.FUZZ_STATS) console.log('FUZZSTAT', m.method, m.path, r.status);
          await checkOrCollect(async () => {
            await checkAnswer(r, 'admin', what);
            expect(r.headers.get('cache-control'), what).toBe('no-store');
          });
        }),
        { numRuns: RUNS, seed: SEED },
      );
      await stillServes(`${m.method} ${m.path}`);
    });
  }
});

const GETS = ['/api/clients/{}', '/api/teams/{}', '/api/users/{}', '/api/providers/{}', '/api/models/{}', '/api/groups/{}', '/v1/models/{}', '/v1/responses/{}', '/v1/responses/{}/input_items'];
const QUERIES = ['/api/logs', '/api/usage/summary', '/api/usage/timeseries', '/api/usage/breakdown', '/api/clients', '/api/models', '/v1/models', '/v1/responses/resp_x/input_items'];
const QUERY_KEYS = ['limit', 'offset', 'after', 'before', 'cursor', 'from', 'to', 'since', 'until', 'client_id', 'team_id', 'model', 'provider', 'status', 'endpoint', 'request_id', 'group_by', 'bucket', 'order', 'include', 'provider', '__proto__', 'constructor'];

/** Percent-encoded; a lone surrogate as the bytes a careless encoder makes of it (CESU-8). */
const uri = (s: string) => [...s].map((ch) => (/^[\ud800-\udfff]$/.test(ch) ? `%ED%${(0xa0 + ((ch.charCodeAt(0) >> 6) & 0x1f)).toString(16).toUpperCase()}%80` : encodeURIComponent(ch))).join('');

describe('hostile path parameters and query strings', () => {
  test('any id in a path, any query: JSON in the route\'s error shape, never 500', async () => {
    const pathPart = fc.oneof(nastyString, fc.constantFrom('0', '-1', '1e1', '0x10', '99999999999999999999', '%2F..%2F', '%00', '%ZZ', '..', '.', '%E2%80%AE', '%ED%A0%80', 'a'.repeat(5000)));
    const query = fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), fc.oneof(nastyString, fc.constantFrom('-1', '1e309', 'NaN', '9007199254740993', '2026-02-30T00:00:00Z', '', '%ZZ'))), { maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...GETS).chain((g) => pathPart.map((p) => ({ g, p, q: [] as [string, string][] }))), fc.constantFrom(...QUERIES).chain((g) => query.map((q) => ({ g, p: '', q })))), async ({ g, p, q }) => {
        const enc = /%/.test(p) && !/%(?![0-9A-F]{2})/i.test(p) ? p : uri(p);
        const qs = q.map(([k, v]) => `${uri(k)}=${/%/.test(v) ? v : uri(v)}`).join('&');
        const path = g.replace('{}', enc) + (qs ? `?${qs}` : '');
        const v1 = path.startsWith('/v1');
        // Ids in a path are fuzzed on every method the route takes; ids that exist are too plain to be drawn.
        const method = p && !v1 ? (['GET', 'PATCH', 'DELETE', 'PUT'] as const)[path.length % 4]! : 'GET';
        const init: RequestInit = { method, headers: { authorization: `Bearer ${v1 ? gw.clientKey : admin.token}`, 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000) };
        if (method === 'PATCH' || method === 'PUT') init.body = '{}';
        const r = await fetch(`${gw.url}${path}`, init);
        if (process.env.FUZZ_STATS) console.log('FUZZSTAT', g, r.status);
        await checkOrCollect(() => checkAnswer(r, v1 ? 'openai' : 'admin', `GET ${path.slice(0, 300)}`));
      }),
      { numRuns: RUNS * 8, seed: SEED },
    );
    await stillServes('the path and query fuzz');
  });
});

// Counterexamples the property found: a 404 repeated a path id of thousands of characters whole.
describe('a 404 names a long id in the path briefly', () => {
  const long = 'a'.repeat(5000);
  for (const path of [`/api/groups/${long}`, `/v1/models/${long}`, `/v1/responses/${long}`]) {
    test(`GET ${path.slice(0, 20)}…`, async () => {
      const v1 = path.startsWith('/v1');
      const r = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${v1 ? gw.clientKey : admin.token}` } });
      const { body } = await checkAnswer(r, v1 ? 'openai' : 'admin', path.slice(0, 30));
      expect(r.status).toBe(404);
      expect(body.error.message).toContain(`'${'a'.repeat(256)}…'`);
      expect(body.error.message.length).toBeLessThan(400);
    });
  }
});

describe('damaged bodies on /api', () => {
  const TYPES = [undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/jsonx', ''];
  const ENCODINGS = [undefined, 'identity', 'gzip', 'br', 'x'];
  test('broken JSON, any content-type and content-encoding, on every mutating route: JSON in its error shape, never 500', async () => {
    const bodies = mutations().map((m) => JSON.stringify(m.base));
    const damaged = fc.oneof(
      fc.tuple(fc.constantFrom(...bodies), fc.nat(), fc.constantFrom('cut', 'swap')).map(([t, n, how]) => {
        const i = n % t.length;
        return how === 'cut' ? t.slice(0, i) : t.slice(0, i) + '\u0000"{[]},:\\\ud800'[n % 10]! + t.slice(i + 1);
      }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom('', 'null', '[]', '"x"', '1', '{"__proto__":{"role":"admin"}}', '{"a":1}{"b":2}', '\ufeff{}'),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...mutations()), damaged, fc.constantFrom(...TYPES), fc.constantFrom(...ENCODINGS), async (m, text, type, encoding) => {
        const path = m.path.replace(':team', String(teamId)).replace(':user', String(userId)).replace(':key', keyId);
        const headers: Record<string, string> = { authorization: `Bearer ${admin.token}` };
        if (type !== undefined) headers['content-type'] = type;
        if (encoding !== undefined) headers['content-encoding'] = encoding;
        const r = await fetch(`${gw.url}${path}`, { method: m.method, headers, body: text, signal: AbortSignal.timeout(30_000) });
        if (process.env.FUZZ_STATS) console.log('FUZZSTAT', m.method, m.path, r.status, r.status < 300 ? JSON.stringify([type, encoding, text.slice(0, 150)]) : '');
        await checkAnswer(r, 'admin', `${m.method} ${path} [${type} ${encoding}] ${JSON.stringify(text).slice(0, 200)}`);
      }),
      { numRuns: RUNS * 8, seed: SEED },
    );
    await stillServes('the damaged bodies');
  });
});

// Counterexamples the property found: a PATCH whose body was JSON but no object (`1`, `"x"`, `[]`)
// answered 200 and changed nothing, as if it were `{}`.
describe('a JSON body that is not an object', () => {
  for (const text of ['1', '"x"', '[]', '[{"name":"renamed"}]', 'true']) {
    for (const [method, path] of [['PATCH', '/api/clients/1'], ['PATCH', '/api/models/gpt-4o-mini'], ['PATCH', '/api/providers/ollama'], ['PATCH', '/api/users/:user'], ['POST', '/api/teams']] as const) {
      test(`${method} ${path} ${text}: 400 naming the body`, async () => {
        const r = await fetch(`${gw.url}${path.replace(':user', String(userId))}`, { method, headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: text });
        const { body } = await checkAnswer(r, 'admin', `${method} ${path} ${text}`);
        expect(r.status).toBe(400);
        expect(body.error).toMatchObject({ code: 'invalid_request', param: null, message: 'The request body must be a JSON object.' });
      });
    }
  }
});

// Counterexamples the property found: an object with its own `toString` or `valueOf` key where a
// string belongs made Elysia's validation message (`found: ${value}`) throw: a 500 on every route.
describe('an object with its own toString or valueOf key in a body', () => {
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['POST', '/api/teams', { name: { toString: 'x' } }, 'name.toString'],
    ['POST', '/api/users', { username: 'u1', password: [{ valueOf: 1 }], role: 'viewer' }, 'password.0.valueOf'],
    ['POST', '/api/groups/try', { model: 'fast-flow', prompt: { toString: 1, valueOf: 2 } }, 'prompt.toString'],
    ['POST', '/api/auth/change-password', { current_password: 'x', new_password: { toString: 'x' } }, 'new_password.toString'],
    ['POST', '/api/providers/openai/keys', { key: { toString: 'x' } }, 'key.toString'],
    ['PUT', '/api/groups/fast-flow', { strategy: 'heuristic', targets: [{ toString: 'x' }] }, 'targets.0.toString'],
    ['PATCH', '/api/clients/1', { name: 'ok', models: [{ toString: 'x' }] }, 'models.0.toString'],
  ];
  for (const [method, path, b, param] of cases) {
    test(`${method} ${path}: 400 naming ${param}`, async () => {
      const r = await fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify(b) });
      const { body } = await checkAnswer(r, 'admin', `${method} ${path}`);
      expect(r.status).toBe(400);
      expect(body.error).toMatchObject({ param, code: 'invalid_request' });
    });
  }
});

describe('hostile bodies without a session, or as a viewer', () => {
  test('every mutating route answers 401 without a session and 403 to a viewer, whatever the body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...mutations().filter((m) => !m.path.startsWith('/api/auth/'))).chain((m) => fc.tuple(fc.constant(m), mutated(m.base), fc.boolean())), async ([m, b, asViewer]) => {
        const path = m.path.replace(':team', String(teamId)).replace(':user', String(userId)).replace(':key', keyId);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (asViewer) headers.authorization = `Bearer ${viewer.token}`;
        const r = await fetch(`${gw.url}${path}`, { method: m.method, headers, body: jsonText(b), signal: AbortSignal.timeout(30_000) });
        const what = `${m.method} ${path} as ${asViewer ? 'viewer' : 'nobody'}`;
        await checkAnswer(r, 'admin', what);
        expect(r.status, what).toBe(asViewer ? 403 : 401);
      }),
      { numRuns: RUNS * 4, seed: SEED },
    );
  });
});

describe('an object with its own toString key at every path of every admin body', () => {
  test('a 400 naming where it is, never a 500', async () => {
    const failures: string[] = [];
    for (const m of mutations()) {
      const path = m.path.replace(':team', String(teamId)).replace(':user', String(userId)).replace(':key', keyId);
      for (const at of pathsOf(m.base).slice(1)) {
        const r = await fetch(`${gw.url}${path}`, { method: m.method, headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify(plant(m.base, at, { toString: 'x' })) });
        const what = `${m.method} ${path} at ${at.join('.')}`;
        try {
          const { body } = await checkAnswer(r, 'admin', what);
          // The sign-in throttle may answer first; otherwise the key is named.
          if (r.status !== 429) expect(body.error?.param, what).toBe(`${at.join('.')}.toString`);
        } catch (err) {
          failures.push(String((err as Error).message).split('\n')[0]!.slice(0, 300));
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
