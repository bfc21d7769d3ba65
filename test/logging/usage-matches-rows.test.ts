/**
 * What an operator reads equals the sum over the log rows, on SQLite and on PostgreSQL: real
 * requests through the gateway (openai SDK, fake OpenAI and DeepSeek upstreams, the mock
 * provider), two keys (one in a team), a classifier group (its scoring call is a child row: its
 * tokens and cost count, it is not a request), an upstream error, an unknown model, embeddings and
 * an image. The expected numbers are computed here from the rows selected by request id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { api, json, login, ADMIN_PASSWORD, type Session } from '../helpers/admin-harness';
import { jsonResponse, sseResponse, startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { providerEnv, requestIdOf, startGateway, type TestGateway } from '../helpers/start-gateway';
import { parsePrometheus, valueOf } from '../metrics/parse-prometheus';

const HOUR = 3_600_000;
const usage = {
  prompt_tokens: 100, completion_tokens: 50, total_tokens: 150,
  prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 20 },
};
const completion = (model: string, content: string, u: object) => ({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1, model,
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: u,
});
const chunk = (o: object) => JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', ...o });

/** One fake for both OpenAI and DeepSeek: the prompt says what to answer. */
function answer(_req: Request, rec: RecordedRequest): Response {
  const b = rec.body ?? {};
  if (rec.path.endsWith('/embeddings')) {
    return jsonResponse({ object: 'list', model: b.model, data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], usage: { prompt_tokens: 7, total_tokens: 7 } });
  }
  if (rec.path.endsWith('/images/generations')) return jsonResponse({ created: 1, data: [{ b64_json: 'aGVsbG8=' }] });
  const text = JSON.stringify(b.messages ?? '');
  // The classifier's scoring prompt asks for a number on its scale.
  if (b.model === 'gpt-4o-mini') return jsonResponse(completion(b.model, '9', { prompt_tokens: 30, completion_tokens: 1, total_tokens: 31 }));
  if (text.includes('please fail')) return jsonResponse({ error: { message: 'boom', type: 'server_error' } }, 500);
  if (b.stream) {
    return sseResponse([
      chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }] }),
      chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      chunk({ choices: [], usage }),
      '[DONE]',
    ]);
  }
  return jsonResponse(completion(b.model, 'ok', usage));
}

interface Row {
  request_id: string;
  parent_request_id: string | null;
  endpoint: string;
  client_id: number | null;
  provider: string | null;
  model: string | null;
  model_requested: string;
  status: number;
  error_type: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  created_at: number;
}

/** Totals the way the API documents them: a classifier call is no request, its usage counts. */
function totalsOf(rows: Row[]) {
  const t = { requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, reasoning_tokens: 0, cached_tokens: 0, cache_write_tokens: 0, cost_usd: 0 };
  for (const r of rows) {
    if (r.endpoint !== 'classifier') {
      t.requests++;
      if (r.status >= 400 || r.error_type !== null) t.errors++;
    }
    t.prompt_tokens += r.prompt_tokens;
    t.completion_tokens += r.completion_tokens;
    t.reasoning_tokens += r.reasoning_tokens;
    t.cached_tokens += r.cached_tokens;
    t.cache_write_tokens += r.cache_write_tokens;
    t.cost_usd += r.cost_usd;
  }
  return t;
}

function expectTotals(got: any, want: ReturnType<typeof totalsOf>, what: string) {
  const { cost_usd, ...counts } = want;
  expect({ what, ...pick(got, Object.keys(counts)) }).toEqual({ what, ...counts });
  expect(got.cost_usd).toBeCloseTo(cost_usd, 9);
}
const pick = (o: any, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

function groupBy(rows: Row[], key: (r: Row) => string | number | null) {
  const m = new Map<string | number | null, Row[]>();
  for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
  return m;
}

async function until<T>(get: () => Promise<T | undefined | null | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await Bun.sleep(25);
  }
}

function scenario(name: string, envOf: () => Promise<{ env: Record<string, string>; done?: () => Promise<void> }>) {
  describe(name, () => {
    let openaiUp: FakeUpstream;
    let deepseekUp: FakeUpstream;
    let gw: TestGateway;
    let admin: Session;
    let done: (() => Promise<void>) | undefined;
    let rows: Row[] = [];
    let second: { id: number; key: string };
    let teamId: number;

    beforeAll(async () => {
      openaiUp = startFakeUpstream(answer);
      deepseekUp = startFakeUpstream(answer);
      const extra = await envOf();
      done = extra.done;
      gw = await startGateway({
        storeLogs: true,
        env: { ...providerEnv('openai', `${openaiUp.url}/v1`), ...providerEnv('deepseek', deepseekUp.url), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', ...extra.env },
      });
      admin = await login(gw, 'admin', ADMIN_PASSWORD);
      const team = await json(await api(gw, 'POST', '/api/teams', { as: admin, body: { name: 'red' } }));
      teamId = team.id;
      second = await json(await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'second', team_id: teamId } }));
      const g = await api(gw, 'POST', '/api/groups', {
        as: admin,
        body: { name: 'judged', strategy: 'classifier', targets: ['gpt-4o', 'deepseek-chat'], settings: { classifier_model: 'openai/gpt-4o-mini' } },
      });
      expect(g.status).toBe(201);

      const a = gw.openai();
      const b = gw.openai(second.key);
      const ids: string[] = [];
      const ask = (c: OpenAI, model: string, content = 'hello') => c.chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();
      const failed = async (p: Promise<unknown>) => {
        try {
          await p;
          throw new Error('expected an error');
        } catch (err) {
          ids.push(requestIdOf(err as any));
        }
      };
      // The second key: a request settled against its (budget-less) team scope, then a group
      // whose classifier call is charged to the key without a reservation, then more requests.
      ids.push(requestIdOf(await ask(b, 'deepseek-chat')));
      ids.push(requestIdOf(await ask(b, 'judged', 'judge this')));
      ids.push(requestIdOf(await ask(b, 'deepseek-chat')));
      ids.push(requestIdOf(await b.images.generate({ model: 'gpt-image-1', prompt: 'a cat' }).withResponse()));
      ids.push(requestIdOf(await ask(a, 'gpt-4o')));
      const s = await a.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      for await (const _ of s.data);
      ids.push(requestIdOf(s));
      await failed(ask(a, 'gpt-4o', 'please fail'));
      await failed(ask(a, 'no-such-model'));
      ids.push(requestIdOf(await a.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' }).withResponse()));
      ids.push(requestIdOf(await ask(a, 'mock/echo')));

      const marks = ids.map(() => '?').join(',');
      const read = () => gw.ctx.store.all<Row>(
        `SELECT request_id, parent_request_id, endpoint, client_id, provider, model, model_requested, status, error_type, prompt_tokens,
         completion_tokens, reasoning_tokens, cached_tokens, cache_write_tokens, cost_usd, created_at
         FROM request_logs WHERE request_id IN (${marks}) OR parent_request_id IN (${marks})`,
        [...ids, ...ids],
      );
      // One row per request plus the classifier's child row.
      rows = await until(async () => {
        const got = await read();
        return got.length === ids.length + 1 ? got : null;
      });
      // PostgreSQL hands bigint columns over as text.
      const NUMERIC = ['status', 'prompt_tokens', 'completion_tokens', 'reasoning_tokens', 'cached_tokens', 'cache_write_tokens', 'cost_usd', 'created_at'] as const;
      rows = rows.map((r) => ({ ...r, client_id: r.client_id === null ? null : Number(r.client_id), ...Object.fromEntries(NUMERIC.map((k) => [k, Number(r[k])])) }));
      expect(rows.filter((r) => r.endpoint === 'classifier')).toHaveLength(1);
      // Every row of the store is this file's (a fresh database): the totals below may compare with all of it.
      expect(Number((await gw.ctx.store.all<{ n: number }>('SELECT count(*) AS n FROM request_logs'))[0]!.n)).toBe(rows.length);
    }, 60_000);
    afterAll(async () => {
      await gw?.close();
      openaiUp?.close();
      deepseekUp?.close();
      await done?.();
    });

    const get = async (path: string) => {
      const r = await api(gw, 'GET', path, { as: admin });
      expect(r.status).toBe(200);
      return json(r);
    };

    test('summary: requests and errors without the classifier call, its tokens and cost with', async () => {
      expectTotals(await get('/api/usage/summary'), totalsOf(rows), 'summary');
      const from = Math.floor(Math.min(...rows.map((r) => r.created_at)) / HOUR) * HOUR;
      expectTotals(await get(`/api/usage/summary?from=${from}&to=${Date.now() + 1}`), totalsOf(rows), 'summary with a range');
    });

    test('breakdowns by provider, model and client each add up to the rows of their key', async () => {
      const dims: [string, (r: Row) => string | number | null][] = [
        ['provider', (r) => r.provider],
        ['model', (r) => r.model ?? r.model_requested],
        ['client', (r) => r.client_id],
      ];
      for (const [by, key] of dims) {
        const { data } = await get(`/api/usage/breakdown?by=${by}`);
        const groups = groupBy(rows, key);
        expect(data.map((d: any) => d.key).sort()).toEqual([...groups.keys()].map((k) => (k === '' ? null : k)).sort());
        for (const [k, rs] of groups) expectTotals(data.find((d: any) => d.key === k), totalsOf(rs), `${by} ${k}`);
      }
    });

    test('hourly time series: each bucket holds the rows of its UTC hour', async () => {
      const { data } = await get('/api/usage/timeseries?bucket=hour');
      const byHour = groupBy(rows, (r) => Math.floor(r.created_at / HOUR) * HOUR);
      for (const p of data) expectTotals(p, totalsOf(byHour.get(p.t) ?? []), `hour ${new Date(p.t).toISOString()}`);
      expect(data.reduce((s: number, p: any) => s + p.requests, 0)).toBe(totalsOf(rows).requests);
    });

    test('the logs list has every row, and its error filter the failed ones', async () => {
      const { data } = await get('/api/logs?limit=1000');
      expect(data.map((r: any) => r.request_id).sort()).toEqual(rows.map((r) => r.request_id).sort());
      const errs = (await get('/api/logs?status=error&limit=1000')).data.map((r: any) => r.request_id).sort();
      expect(errs).toEqual(rows.filter((r) => r.status >= 400 || r.error_type !== null).map((r) => r.request_id).sort());
      expect(errs.length).toBe(2);
    });

    test("each key's and the team's spend_usd is the cost of its rows, its classifier call included", async () => {
      const costOf = (clientId: number) => rows.filter((r) => r.client_id === clientId).reduce((s, r) => s + r.cost_usd, 0);
      // The second key's rows: two DeepSeek answers, a group answer, its classifier call and an image.
      expect(rows.filter((r) => r.client_id === second.id)).toHaveLength(5);
      expect(costOf(second.id)).toBeGreaterThan(0.04);
      expect((await get(`/api/clients/${second.id}`)).spend_usd).toBeCloseTo(costOf(second.id), 12);
      expect((await get(`/api/clients/${gw.clientId}`)).spend_usd).toBeCloseTo(costOf(gw.clientId), 12);
      expect((await get(`/api/teams/${teamId}`)).spend_usd).toBeCloseTo(costOf(second.id), 12);
      const listed = (await get('/api/clients')).data ?? (await get('/api/clients'));
      expect(listed.find((c: any) => c.id === second.id).spend_usd).toBeCloseTo(costOf(second.id), 12);
      // A budget set now starts from that spend too (read from the logs, not from a count begun at the classifier call).
      const patched = await api(gw, 'PATCH', `/api/clients/${second.id}`, { as: admin, body: { budget_usd: 5 } });
      expect(patched.status).toBe(200);
      expect((await get(`/api/clients/${second.id}`)).spend_usd).toBeCloseTo(costOf(second.id), 12);
      const t = await api(gw, 'PATCH', `/api/teams/${teamId}`, { as: admin, body: { budget_usd: 5 } });
      expect(t.status).toBe(200);
      expect((await get(`/api/teams/${teamId}`)).spend_usd).toBeCloseTo(costOf(second.id), 12);
    });

    test('/metrics counts every row by endpoint, and the same tokens and cost', async () => {
      const { samples } = parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());
      const want = totalsOf(rows);
      const requests = samples.filter((s) => s.name === 'gophergate_requests_total' && s.labels.endpoint !== 'classifier').reduce((a, s) => a + s.value, 0);
      expect(requests).toBe(want.requests);
      expect(valueOf(samples, 'gophergate_requests_total', { endpoint: 'classifier' })).toBe(1);
      expect(valueOf(samples, 'gophergate_tokens_total', { kind: 'input' })).toBe(want.prompt_tokens);
      expect(valueOf(samples, 'gophergate_tokens_total', { kind: 'output' })).toBe(want.completion_tokens);
      expect(valueOf(samples, 'gophergate_cost_usd_total')).toBeCloseTo(want.cost_usd, 9);
      expect(valueOf(samples, 'gophergate_team_spend_usd_total', { team: 'red' })).toBeCloseTo(rows.filter((r) => r.client_id === second.id).reduce((s, r) => s + r.cost_usd, 0), 9);
    });

    // Last: it sends more requests.
    test("a key whose budget was removed shows its spend from the logs, a classifier call made since included", async () => {
      expect((await api(gw, 'PATCH', `/api/clients/${second.id}`, { as: admin, body: { budget_usd: null } })).status).toBe(200);
      const more = requestIdOf(await gw.openai(second.key).chat.completions.create({ model: 'judged', messages: [{ role: 'user', content: 'judge another' }] }).withResponse());
      const [{ n }] = await until(async () => {
        const got = await gw.ctx.store.all<{ n: number }>('SELECT count(*) AS n FROM request_logs WHERE request_id = ? OR parent_request_id = ?', [more, more]);
        return Number(got[0]!.n) === 2 ? got : null;
      });
      expect(Number(n)).toBe(2);
      const [{ c }] = await gw.ctx.store.all<{ c: number }>('SELECT sum(cost_usd) AS c FROM request_logs WHERE client_id = ?', [second.id]);
      expect((await get(`/api/clients/${second.id}`)).spend_usd).toBeCloseTo(Number(c), 12);
      expect((await get(`/api/teams/${teamId}`)).spend_usd).toBeCloseTo(Number(c), 12);
    });
  });
}

scenario('on SQLite', async () => ({ env: {} }));

let pgDb: TestDatabase | undefined;
scenario('on PostgreSQL', async () => {
  pgDb = await createTestDatabase();
  return { env: { LLM_PROXY__DATABASE__URL: pgDb.url }, done: () => pgDb!.drop() };
});
