/**
 * Three gateway PROCESSES on one PostgreSQL database and one Redis prefix, under a mixed burst of
 * 300+ requests spread round-robin: streamed and whole chat, /v1/responses, /v1/messages and
 * /v1/embeddings, a fake upstream whose usage varies from answer to answer, and some streams cut
 * by the client midway. What must hold across the instances, read from PostgreSQL by the request
 * ids the test sent: one row per request, on the instance it was sent to; a key's and a team's
 * spend within their budgets; admissions within RPM; a budget raised on A in force on B and C;
 * an instance killed with SIGKILL mid-stream leaves no reservation that holds the budget for good.
 * Heavy (spawns processes): run with `bun test test/cluster`.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SQL } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, sseResponse, startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { deleteKeys, eventually, randomPrefix, redisEnv } from '../helpers/redis-env';

setDefaultTimeout(60_000);

const ADMIN_PASSWORD = 'mixed-load-admin-password';
/** USD per 1M tokens of both models: an answer costs ~$0.0002-0.0004, a request's worst case a few times that. */
const PRICE = 10;
const MAX_TOKENS = 16;

let fake: FakeUpstream;
let db: TestDatabase;
let pg: SQL;
let prefix: string;
let dir: string;
let nodes: GatewayProcess[] = [];
let token: string;
/** Streams the fake holds open until released (the SIGKILL test). */
let holdStreams: Promise<void> | null = null;

// Usage that varies from answer to answer, never past what the request may use (prompt ≤ its
// bytes, completion ≤ max_tokens): the budget's worst case is the gateway's, not the fake's lie.
let turn = 0;
const vary = (mod: number) => ((turn++ * 7919) % mod);

function chatChunks(prompt: number, completion: number): string[] {
  const base = { id: 'chatcmpl-mixed', object: 'chat.completion.chunk', created: 1757924400, model: 'gpt-4o-mini-2024-07-18', service_tier: 'default' };
  const words = Array.from({ length: completion }, (_, i) => ({ ...base, choices: [{ index: 0, delta: { content: ` w${i}` }, logprobs: null, finish_reason: null }], usage: null }));
  return [
    JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], usage: null }),
    ...words.map((w) => JSON.stringify(w)),
    JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: null }),
    JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } }),
    '[DONE]',
  ];
}

function upstream(rec: RecordedRequest, f: FakeUpstream): Response | Promise<Response> {
  const b = rec.body ?? {};
  const prompt = 5 + vary(11);
  const completion = 1 + vary(Math.min(Number(b.max_tokens ?? b.max_completion_tokens ?? b.max_output_tokens ?? MAX_TOKENS), MAX_TOKENS));
  if (rec.path.endsWith('/chat/completions')) {
    if (b.stream) {
      // A stream the client will cut after two chunks: nothing more comes until the gateway lets go (499).
      const hold = JSON.stringify(b.messages ?? '').includes('(cut)') ? new Promise<void>(() => {}) : holdStreams;
      return sseResponse(chatChunks(prompt, completion), { delayMs: 3, onAbort: () => f.noteAbort(), ...(hold ? { holdAt: { at: 2, until: hold } } : {}) });
    }
    const answer = fixtureJson('openai', 'chat.json');
    answer.usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
    return jsonResponse(answer);
  }
  if (rec.path.endsWith('/responses')) {
    const answer = fixtureJson('responses', 'openai-response.json');
    answer.id = `resp_${crypto.randomUUID().replaceAll('-', '')}`;
    answer.model = 'gpt-4o-mini-2024-07-18';
    answer.usage = { input_tokens: prompt, input_tokens_details: { cached_tokens: 0 }, output_tokens: completion, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: prompt + completion };
    return jsonResponse(answer);
  }
  if (rec.path.endsWith('/embeddings')) {
    const inputs: unknown[] = Array.isArray(b.input) ? b.input : [b.input];
    return jsonResponse({
      object: 'list', model: 'text-embedding-3-small',
      data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.6, 0.8] })),
      usage: { prompt_tokens: prompt, total_tokens: prompt },
    });
  }
  return jsonResponse({ error: { message: `unexpected ${rec.path}` } }, 500);
}

const start = (i: number) =>
  startGatewayProcess({
    cwd: dir, dbPath: join(dir, 'unused.db'), adminPassword: ADMIN_PASSWORD,
    env: {
      ...redisEnv(prefix),
      LLM_PROXY__INSTANCE_ID: `mixed-${i}`,
      LLM_PROXY__DATABASE__URL: db.url,
      LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'sk-mixed-provider-0123456789',
    },
  });

beforeAll(async () => {
  fake = startFakeUpstream((_req, rec, f) => upstream(rec, f));
  dir = mkdtempSync(join(tmpdir(), 'gg-mixed-'));
  prefix = randomPrefix();
  db = await createTestDatabase('gg_mixed');
  pg = new SQL({ url: db.url, max: 2 });
  nodes.push(await start(0)); // creates and migrates the database
  nodes.push(...(await Promise.all([start(1), start(2)])));
  const login = await fetch(`${nodes[0]!.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  expect(login.status).toBe(200);
  token = ((await login.json()) as any).token;
  for (const model of ['gpt-4o-mini', 'text-embedding-3-small']) {
    const r = await admin('PATCH', `/api/models/${model}`, { input_price: PRICE, output_price: PRICE, cached_input_price: PRICE });
    expect(r.status).toBe(200);
  }
});

afterAll(async () => {
  for (const p of nodes) p.proc.kill('SIGKILL');
  await Promise.all(nodes.map((p) => p.proc.exited));
  await pg?.close();
  await db?.drop();
  await deleteKeys(prefix);
  fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

function admin(method: string, path: string, body?: unknown, on = nodes[0]!): Promise<Response> {
  return fetch(`${on.url}${path}`, {
    method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function created(path: string, body: Record<string, unknown>): Promise<any> {
  const r = await admin('POST', path, body);
  expect(r.status).toBe(201);
  return r.json();
}

/** Until every instance serves the key with its limits (a free read: counts toward nothing). */
async function knownEverywhere(key: string, on = nodes): Promise<void> {
  const known = (p: GatewayProcess) => fetch(`${p.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status === 200);
  for (const p of on) expect(await eventually(() => known(p), 3_000)).toBe(true);
}

type Kind = 'stream' | 'cut' | 'chat' | 'responses' | 'messages' | 'messages-stream' | 'embeddings';
const KINDS: Kind[] = ['stream', 'chat', 'responses', 'messages', 'cut', 'embeddings', 'messages-stream'];

interface Sent {
  kind: Kind;
  node: number;
  /** The answer's x-request-id (a refusal's too); null when no answer came at all. */
  id: string | null;
  /** 200, the refusal's status, or 499 for a stream the test cut. */
  status: number;
  code: string | null;
}

const openai = (p: GatewayProcess, key: string) => new OpenAI({ apiKey: key, baseURL: `${p.url}/v1`, maxRetries: 0, timeout: 20_000 });
const anthropic = (p: GatewayProcess, key: string) => new Anthropic({ apiKey: key, baseURL: p.url, maxRetries: 0, timeout: 20_000 });
const prompt = (i: number, cut = false) => [{ role: 'user' as const, content: `Say hello, number ${i}.${cut ? ' (cut)' : ''}` }];

/** One request of `kind` to node `node`; what came back. */
async function send(kind: Kind, node: number, key: string, i: number): Promise<Sent> {
  const p = nodes[node]!;
  const o = openai(p, key);
  const ok = (response: Response, status = 200): Sent => ({ kind, node, id: response.headers.get('x-request-id'), status, code: null });
  try {
    switch (kind) {
      case 'stream':
      case 'cut': {
        const { data, response } = await o.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: MAX_TOKENS, stream: true, messages: prompt(i, kind === 'cut') }).withResponse();
        let n = 0;
        for await (const _ of data) {
          if (kind === 'cut' && ++n === 2) {
            data.controller.abort();
            return ok(response, 499);
          }
        }
        return ok(response);
      }
      case 'chat':
        return ok((await o.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: MAX_TOKENS, messages: prompt(i) }).withResponse()).response);
      case 'responses':
        return ok((await o.responses.create({ model: 'gpt-4o-mini', max_output_tokens: MAX_TOKENS, input: `Say hello, number ${i}.` }).withResponse()).response);
      case 'embeddings':
        return ok((await o.embeddings.create({ model: 'text-embedding-3-small', input: [`one ${i}`, `two ${i}`] }).withResponse()).response);
      case 'messages':
        return ok((await anthropic(p, key).messages.create({ model: 'gpt-4o-mini', max_tokens: MAX_TOKENS, messages: prompt(i) }).withResponse()).response);
      case 'messages-stream': {
        const { data, response } = await anthropic(p, key).messages.create({ model: 'gpt-4o-mini', max_tokens: MAX_TOKENS, stream: true, messages: prompt(i) }).withResponse();
        for await (const _ of data);
        return ok(response);
      }
    }
  } catch (e) {
    if (e instanceof OpenAI.APIError || e instanceof Anthropic.APIError) {
      const body = (e as any).error;
      const code = body?.code ?? body?.error?.type ?? body?.type ?? null;
      return { kind, node, id: e.headers?.get?.('x-request-id') ?? (e.headers as any)?.['x-request-id'] ?? null, status: e.status ?? 0, code };
    }
    throw e;
  }
}

/**
 * `n` requests, at most `parallel` at a time (so the limits are pressed all along, not only by the
 * first wave), round-robin over `on` (indexes into nodes), kinds in turn, keys in turn.
 */
async function load(keys: string[], n: number, parallel = n, on = [0, 1, 2]): Promise<Sent[]> {
  const out: Sent[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) out[i] = await send(KINDS[i % KINDS.length]!, on[i % on.length]!, keys[i % keys.length]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
  return out;
}

interface Row { request_id: string; instance: string; status: number; cost_usd: number; created_at: number; client_id: number; error_type: string | null; tokens: number }

/** The rows of these request ids, once every one has at least one (the log writers batch). */
async function rowsOf(ids: string[]): Promise<Row[]> {
  const read = async () =>
    ((await pg`SELECT request_id, instance, status, cost_usd, created_at, client_id, error_type, prompt_tokens + completion_tokens AS tokens FROM request_logs WHERE request_id IN ${pg(ids)}`) as any[]).map((r) => ({
      ...r, tokens: Number(r.tokens), status: Number(r.status), client_id: Number(r.client_id), cost_usd: Number(r.cost_usd), created_at: Number(r.created_at),
    })) as Row[];
  await eventually(async () => new Set((await read()).map((r) => r.request_id)).size === ids.length, 15_000, 100);
  return read();
}

/** Each sent request has exactly one row, written by the instance it was sent to, with its status. */
async function oneRowEach(sent: Sent[]): Promise<Row[]> {
  expect(sent.filter((s) => !s.id)).toEqual([]);
  const ids = sent.map((s) => s.id!);
  expect(new Set(ids).size).toBe(ids.length);
  const rows = await rowsOf(ids);
  const byId = new Map<string, Row[]>();
  for (const r of rows) byId.set(r.request_id, [...(byId.get(r.request_id) ?? []), r]);
  const wrong = sent.filter((s) => {
    const rs = byId.get(s.id!) ?? [];
    return rs.length !== 1 || rs[0]!.instance !== `mixed-${s.node}` || rs[0]!.status !== s.status;
  });
  expect(wrong.map((s) => ({ ...s, rows: byId.get(s.id!) }))).toEqual([]);
  return rows;
}

const REFUSALS = new Set(['rate_limit_exceeded', 'budget_exceeded', 'rate_limit_error']);
const refused = (s: Sent) => s.status === 429;
const spent = (rows: Row[]) => rows.reduce((a, r) => a + r.cost_usd, 0);

/** The most rows whose created_at falls in any one minute. */
function busiestMinute(rows: Row[]): number {
  const t = rows.map((r) => r.created_at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= 60_000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('a mixed burst over three instances', () => {
  test('one key: budget and RPM hold across the instances; one row per request, on its instance', async () => {
    const BUDGET = 0.02;
    const RPM = 40;
    const k = await created('/api/clients', { name: 'mixed-key', budget_usd: BUDGET, budget_period: 'month', rpm: RPM, tpm: 20_000 });
    await knownEverywhere(k.key);
    // Few at a time: a refusal for USD reserved by requests in flight would end the burst before RPM.
    const sent = await load([k.key], 330, 8);
    for (const s of sent) if (refused(s)) expect(REFUSALS.has(s.code ?? '') || s.code === 'insufficient_quota').toBe(true);
    expect(sent.filter((s) => s.status !== 200 && s.status !== 499 && !refused(s))).toEqual([]);
    const served = sent.filter((s) => !refused(s));
    // The burst runs into the limits, and each instance served some. Which one refuses first depends on
    // which kinds were served (their costs vary): 40 requests (the RPM) cost about the budget, so a slow
    // run may spend it first. Both are held either way (the spend and the busiest minute below).
    expect(served.length).toBeGreaterThan(10);
    expect(sent.some((s) => s.code === 'rate_limit_exceeded' || s.code === 'budget_exceeded')).toBe(true);
    for (const n of [0, 1, 2]) expect(served.some((s) => s.node === n)).toBe(true);
    expect(served.some((s) => s.status === 499)).toBe(true);

    const rows = await oneRowEach(sent);
    expect(spent(rows)).toBeLessThanOrEqual(BUDGET + 1e-9);
    const admitted = rows.filter((r) => r.status !== 429);
    expect(admitted.length).toBe(served.length);
    expect(busiestMinute(admitted)).toBeLessThanOrEqual(RPM);
    // Cut streams were billed what they delivered (an estimate), and every row of a served request costs something.
    for (const r of admitted) expect(r.cost_usd).toBeGreaterThan(0);
  });

  test('TPM across the instances: the tokens of the requests admitted in a minute stay within it', async () => {
    const TPM = 1_500;
    const k = await created('/api/clients', { name: 'mixed-tpm', tpm: TPM });
    await knownEverywhere(k.key);
    const sent = await load([k.key], 200, 8);
    expect(sent.filter((s) => s.status !== 200 && s.status !== 499 && !refused(s))).toEqual([]);
    expect(sent.some((s) => s.code === 'rate_limit_exceeded' || s.code === 'rate_limit_error')).toBe(true);
    const rows = await oneRowEach(sent);
    const admitted = rows.filter((r) => r.status !== 429);
    expect(admitted.length).toBeGreaterThan(5);
    // Each reserves its estimate and settles to what the fake reported (never more than asked).
    expect(admitted.reduce((a, r) => a + r.tokens, 0)).toBeLessThanOrEqual(TPM);
  });

  test("a team's budget smaller than its keys' together holds; each key's own too", async () => {
    // A request may cost up to ~$0.002 and costs ~$0.0002: the budgets are spent, not only reserved.
    const TEAM = 0.006;
    const KEY = 0.004;
    const team = await created('/api/teams', { name: 'mixed-team', budget_usd: TEAM, budget_period: 'month' });
    const k1 = await created('/api/clients', { name: 'mixed-t1', team_id: team.id, budget_usd: KEY, budget_period: 'month' });
    const k2 = await created('/api/clients', { name: 'mixed-t2', team_id: team.id, budget_usd: KEY, budget_period: 'month' });
    await knownEverywhere(k1.key);
    await knownEverywhere(k2.key);
    // Few at a time, so the budgets are spent rather than only reserved by requests in flight.
    const sent = await load([k1.key, k2.key], 300, 4);
    expect(sent.filter((s) => s.status !== 200 && s.status !== 499 && !refused(s))).toEqual([]);
    expect(sent.filter(refused).length).toBeGreaterThan(0);
    const rows = await oneRowEach(sent);
    expect(spent(rows)).toBeLessThanOrEqual(TEAM + 1e-9);
    // Pressed: a good part of it spent (the last requests find too little left for their worst case).
    expect(spent(rows)).toBeGreaterThan(TEAM / 3);
    for (const k of [k1, k2]) expect(spent(rows.filter((r) => r.client_id === k.id))).toBeLessThanOrEqual(KEY + 1e-9);
    // The team's spend as PostgreSQL counts it (every row of the team) is the same.
    const [t] = await pg`SELECT coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE team_id = ${team.id}`;
    expect(Number(t.s)).toBeLessThanOrEqual(TEAM + 1e-9);
  });

  test('a budget spent, then raised through A, admits on B and C within the documented second', async () => {
    const k = await created('/api/clients', { name: 'mixed-raise', budget_usd: 0.003, budget_period: 'month' });
    await knownEverywhere(k.key);
    // Spent on A, one request after the other, until A refuses: then B and C refuse too.
    expect(await eventually(async () => (await send('chat', 0, k.key, 0)).code === 'budget_exceeded', 10_000, 0)).toBe(true);
    for (const n of [1, 2]) expect((await send('chat', n, k.key, 0)).code).toBe('budget_exceeded');
    const r = await admin('PATCH', `/api/clients/${k.id}`, { budget_usd: 1 });
    expect(r.status).toBe(200);
    for (const n of [1, 2]) expect(await eventually(async () => (await send('chat', n, k.key, 0)).status === 200, 1_500, 100)).toBe(true);
  });
});

describe('an instance killed with SIGKILL mid-stream', () => {
  test("its reservations are freed after the documented 10 s; the survivors enforce the budget", async () => {
    // A fourth instance that will die with streams in flight.
    const D = await start(3);
    nodes.push(D);
    const d = nodes.length - 1;
    const k = await created('/api/clients', { name: 'mixed-killed', budget_usd: 0.01, budget_period: 'month' });
    await knownEverywhere(k.key, [nodes[0]!, D]);
    let release!: () => void;
    holdStreams = new Promise<void>((r) => (release = r));
    // As many streams as the budget admits, held open upstream, all on D.
    // Cut by the kill: ECONNRESET, not an answer.
    const held = Array.from({ length: 40 }, (_, i) => send('stream', d, k.key, i).catch(() => null));
    expect(await eventually(async () => (await send('chat', 0, k.key, 0)).code === 'budget_exceeded', 5_000, 50)).toBe(true);
    D.proc.kill('SIGKILL');
    await D.proc.exited;
    holdStreams = null;
    release();
    await Promise.allSettled(held);
    // Held by the dead instance's reservations until the others see it silent for 10 s.
    expect(await eventually(async () => (await send('chat', 0, k.key, 1)).status === 200, 20_000, 250)).toBe(true);
    // The survivors keep enforcing: a burst over A, B and C stays within the budget.
    const sent = await load([k.key], 120, 30);
    expect(sent.filter(refused).length).toBeGreaterThan(0);
    await oneRowEach(sent);
    const [r] = await pg`SELECT coalesce(sum(cost_usd), 0) AS s FROM request_logs WHERE client_id = ${k.id}`;
    expect(Number(r.s)).toBeLessThanOrEqual(0.01 + 1e-9);
  });
});

describe('a provider key pool across the instances', () => {
  test('a key answered 429 with retry-after on one instance is cooling on all; none of them sends to it meanwhile', async () => {
    const HOT = 'sk-mixed-hot-key-0123456789';
    const before = fake.handler;
    fake.handler = (req, rec, f) =>
      req.headers.get('authorization') === `Bearer ${HOT}`
        ? jsonResponse({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '300' })
        : before(req, rec, f);
    try {
      const added = await admin('POST', '/api/providers/openai/keys', { key: HOT, weight: 100, label: 'hot' });
      expect(added.status).toBe(201);
      const hotId = ((await added.json()) as any).id;
      // OpenAI's request limits are per model: the key cools for the model that was refused.
      const stateOn = async (p: GatewayProcess, model?: string) => {
        const key = ((await (await admin('GET', '/api/providers/openai', undefined, p)).json()) as any).keys?.find((k: any) => k.id === hotId);
        return model ? key?.models?.find((m: any) => m.model === model)?.state ?? key?.state : key?.state;
      };
      const live = nodes.slice(0, 3);
      for (const p of live) expect(await eventually(async () => (await stateOn(p)) === 'active', 3_000)).toBe(true);
      const k = await created('/api/clients', { name: 'mixed-pool' });
      await knownEverywhere(k.key, live);
      // Weight 100 against the env key's 1: the first request on A goes to it, is refused, and is served by the env key.
      const seen = fake.requests.length;
      expect((await send('chat', 0, k.key, 0)).status).toBe(200);
      expect(fake.requests.slice(seen).some((r) => r.headers.authorization === `Bearer ${HOT}`)).toBe(true);
      for (const p of live) expect(await eventually(async () => (await stateOn(p, 'gpt-4o-mini')) === 'cooling', 3_000)).toBe(true);
      const from = fake.requests.length;
      const sent = await load([k.key], 60, 12, [0, 1, 2]);
      expect(sent.filter((s) => s.status !== (s.kind === 'cut' ? 499 : 200))).toEqual([]);
      // Embeddings use another model, for which the key is not cooling: only the chat model's calls are counted.
      const hot = fake.requests.slice(from).filter((r) => r.headers.authorization === `Bearer ${HOT}` && String(r.body?.model).startsWith('gpt-4o-mini'));
      expect(hot.length).toBe(0);
      await oneRowEach(sent);
    } finally {
      fake.handler = before;
    }
  });
});
