/**
 * The rig of the mixed-load-*.test.ts files: three gateway PROCESSES on one PostgreSQL database
 * and one Redis prefix, behind them a fake upstream whose usage varies from answer to answer;
 * requests of every kind sent round-robin (streamed and whole chat, /v1/responses, /v1/messages,
 * /v1/embeddings, streams the client cuts midway), and their log rows read from PostgreSQL by the
 * request ids sent. Heavy (spawns processes): run with `bun test test/cluster`.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout } from 'bun:test';
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

const ADMIN_PASSWORD = 'mixed-load-admin-password';
/** USD per 1M tokens of both models: an answer costs ~$0.0002-0.0004, a request's worst case a few times that. */
const PRICE = 10;
const MAX_TOKENS = 16;

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

export type Kind = 'stream' | 'cut' | 'chat' | 'responses' | 'messages' | 'messages-stream' | 'embeddings';
export const KINDS: Kind[] = ['stream', 'chat', 'responses', 'messages', 'cut', 'embeddings', 'messages-stream'];

export interface Sent {
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

export interface Row { request_id: string; instance: string; status: number; cost_usd: number; created_at: number; client_id: number; error_type: string | null; tokens: number }

export const REFUSALS = new Set(['rate_limit_exceeded', 'budget_exceeded', 'rate_limit_error']);
export const refused = (s: Sent) => s.status === 429;
export const spent = (rows: Row[]) => rows.reduce((a, r) => a + r.cost_usd, 0);

/** The most rows whose created_at falls in any one minute. */
export function busiestMinute(rows: Row[]): number {
  const t = rows.map((r) => r.created_at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= 60_000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

export interface MixedLoadCluster {
  /** The running instances (A, B, C first; a test may push more). */
  nodes: GatewayProcess[];
  /** Starts instance `i` on the shared database and prefix. */
  start: (i: number) => Promise<GatewayProcess>;
  /** Holds every stream the fake answers (at its third chunk) until `until` settles; null lets them run. */
  hold: (until: Promise<void> | null) => void;
  admin: (method: string, path: string, body?: unknown, on?: GatewayProcess) => Promise<Response>;
  created: (path: string, body: Record<string, unknown>) => Promise<any>;
  knownEverywhere: (key: string, on?: GatewayProcess[]) => Promise<void>;
  send: (kind: Kind, node: number, key: string, i: number) => Promise<Sent>;
  load: (keys: string[], n: number, parallel?: number, on?: number[]) => Promise<Sent[]>;
  oneRowEach: (sent: Sent[]) => Promise<Row[]>;
  /** The Redis key prefix the instances share (to read a scope's counters). */
  prefix: () => string;
}

/** Starts the three instances before the file's tests (then hands the fake and PostgreSQL to `ready`), stops all after them. */
export function useMixedLoadCluster(ready: (up: { fake: FakeUpstream; pg: SQL }) => void): MixedLoadCluster {
  setDefaultTimeout(60_000);

  let fake: FakeUpstream;
  let db: TestDatabase;
  let pg: SQL;
  let prefix: string;
  let dir: string;
  const nodes: GatewayProcess[] = [];
  let token: string;
  /** Streams the fake holds open until released (the SIGKILL test). */
  let holdStreams: Promise<void> | null = null;

  // Usage that varies from answer to answer, never past what the request may use (prompt ≤ its
  // bytes, completion ≤ max_tokens): the budget's worst case is the gateway's, not the fake's lie.
  let turn = 0;
  const vary = (mod: number) => ((turn++ * 7919) % mod);

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
    ready({ fake, pg });
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
    for (const p of on) expect(await eventually(() => known(p), 10_000)).toBe(true);
  }

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

  const hold = (until: Promise<void> | null) => {
    holdStreams = until;
  };
  return { nodes, start, hold, admin, created, knownEverywhere, send, load, oneRowEach, prefix: () => prefix };
}
