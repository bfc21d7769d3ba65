/**
 * Names that are members of Object.prototype, repeated and bracketed query keys, and SQL-looking
 * filters, over real HTTP: a group may be called `constructor` and is served as any other; a model
 * name such as `__proto__` is an unknown model in each endpoint's shape, one row per request; a
 * query key sent twice or as `key[]` never reaches a parser as an array (no 500); a filter is a
 * value, never SQL.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { api, apiLogRow, useDashboardGateway, type Session } from '../helpers/admin-harness';
import type { TestGateway } from '../helpers/start-gateway';
import { checkAnswer } from '../fuzz/fuzz-http-kit';

setDefaultTimeout(60_000);

let gw: TestGateway;
let admin: Session;
let cookie: string;
useDashboardGateway((s) => ({ gw, admin, cookie } = s), { storeLogs: true, env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });

const chat = (model: string) => gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
const message = (model: string) => gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ model, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }) });

describe('Object.prototype member names', () => {
  test('groups named constructor, hasOwnProperty, toString, valueOf, isPrototypeOf are served as any group', async () => {
    for (const name of ['constructor', 'hasOwnProperty', 'toString', 'valueOf', 'isPrototypeOf']) {
      expect([name, (await api(gw, 'POST', '/api/groups', { as: admin, body: { name, strategy: 'heuristic', targets: ['mock/echo'] } })).status]).toEqual([name, 201]);
      for (const r of [await chat(name), await message(name)]) {
        expect([name, r.status, r.headers.get('x-gophergate-route')]).toEqual([name, 200, `${name}>mock/echo`]);
        expect((await apiLogRow(gw, admin, r.headers.get('x-request-id')!)).model_requested).toBe(name);
      }
      expect(await (await gw.fetch(`/v1/models/${name}`)).json()).toMatchObject({ id: name, group: true });
      expect(await (await api(gw, 'GET', `/api/groups/${name}`, { as: admin })).json()).toMatchObject({ name, targets: ['mock/echo'] });
    }
  });

  test('other member names are unknown models: 404 in each endpoint\'s shape, one row each', async () => {
    for (const model of ['__proto__', '__defineGetter__', 'propertyIsEnumerable', 'toLocaleString/x', '__proto__/x', 'valueOf/gpt-4o']) {
      const c = await chat(model);
      expect([model, (await checkAnswer(c, 'openai', model)).body.error.code]).toEqual([model, 'model_not_found']);
      const m = await message(model);
      expect([model, (await checkAnswer(m, 'anthropic', model)).body.error.type]).toEqual([model, 'not_found_error']);
      for (const r of [c, m]) expect((await apiLogRow(gw, admin, r.headers.get('x-request-id')!)).status).toBe(404);
    }
  });
});

describe('repeated, bracketed and prototype query keys', () => {
  const API = [
    '/api/logs?limit=1&limit=2', '/api/logs?model=a&model=b&status=ok&status=error', '/api/logs?request_id[]=x&before_id[0]=1',
    '/api/logs?__proto__=1&constructor[prototype][x]=1', '/api/usage/summary?from=0&from=1&provider=a&provider=b',
    '/api/usage/timeseries?bucket=hour&bucket=day', '/api/usage/breakdown?by=model&by=client&limit=1&limit=2',
    '/api/clients?limit=1&limit=2', '/api/teams?q=a&q=b', '/api/models?provider=mock&provider=openai',
  ];
  test('/api: a JSON answer in its shape, never a 500', async () => {
    for (const path of API) await checkAnswer(await api(gw, 'GET', path, { as: admin }), 'admin', path);
  });
  test('dashboard pages and partials: never a 500', async () => {
    for (const path of ['/groups/try?model=a&model=b', '/groups/try?model[]=x', '/clients/choices?q=a&q=b', '/teams/choices?q[]=a', '/logs?status=1&status=2&from=a&from=b', '/?range=24h&range=7d', '/models?provider=a&provider=b', '/clients?before_id=1&before_id=2']) {
      const r = await fetch(`${gw.url}${path}`, { headers: { cookie } });
      expect([path, r.status < 500]).toEqual([path, true]);
    }
  });
  test('/v1: the stored-response reads and the Anthropic model list answer in their shape', async () => {
    await checkAnswer(await gw.fetch('/v1/responses/resp_x/input_items?limit=1&limit=2&order=asc&order=desc'), 'openai', 'input_items');
    await checkAnswer(await gw.fetch('/v1/models?limit=1&limit=2&after_id[]=x', { headers: { 'anthropic-version': '2023-06-01' } }), 'anthropic', 'models');
  });
});

describe('SQL-looking filters', () => {
  test('are values: nothing matches them, and the rows are all still there', async () => {
    const before = ((await (await api(gw, 'GET', '/api/logs?limit=1000', { as: admin })).json()) as { data: unknown[] }).data.length;
    expect(before).toBeGreaterThan(0);
    for (const v of ["' OR 1=1 --", '%', '_', '*', '"; DROP TABLE request_logs; --', "mock/echo' --", '\\']) {
      for (const key of ['model', 'provider', 'request_id']) {
        const path = `/api/logs?${key}=${encodeURIComponent(v)}`;
        const { body } = await checkAnswer(await api(gw, 'GET', path, { as: admin }), 'admin', path);
        expect([path, body.data]).toEqual([path, []]);
      }
      const page = await fetch(`${gw.url}/logs?model=${encodeURIComponent(v)}&client=${encodeURIComponent(v)}`, { headers: { cookie } });
      expect(page.status).toBeLessThan(500);
      await checkAnswer(await api(gw, 'GET', `/api/usage/breakdown?by=model&model=${encodeURIComponent(v)}`, { as: admin }), 'admin', v);
    }
    expect(((await (await api(gw, 'GET', '/api/logs?limit=1000', { as: admin })).json()) as { data: unknown[] }).data.length).toBe(before);
  });
});
