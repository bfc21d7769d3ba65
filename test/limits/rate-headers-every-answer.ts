/**
 * Every answer a key with an RPM and a TPM limit can get under /v1 carries OpenAI's six
 * `x-ratelimit-*` headers (INTERFACE.md, "Teams, key limits"): admitted answers, whole or streamed,
 * an upstream failure, the refusals (400 validation, 401 key_expired, 403, 408, 413, 429), the
 * model lists and the stored-response reads. One walk over one key, in order: the requests window
 * only moves by the answers that count (admitted ones), never up, never below zero; answers that
 * count nothing (refusals before admission, reads) show the window as it is. Anthropic's endpoints
 * add Anthropic's names for the same numbers. Run with the in-memory counters (test/limits) and
 * the Redis ones (test/redis).
 */
import { expect } from 'bun:test';
import { connect } from 'node:net';
import { models } from '../../src/db/schema';
import { fixtureJson, jsonResponse, readChunks, sseResponse } from '../helpers/fake-upstream';
import { limitedClient, startLimitsRig, type LimitsRig } from './limits-helpers';

const RPM = 40;
const TPM = 1_000_000;

/** The limits rig with the mock provider, a small body cap and deadline (413, 408), an image model, and an upstream that fails on demand. */
export async function startWalkRig(env: Record<string, string> = {}): Promise<LimitsRig> {
  const rig = await startLimitsRig({
    env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__SERVER__MAX_BODY_MB: '0.05', LLM_PROXY__SERVER__BODY_TIMEOUT_S: '1', ...env },
  });
  rig.gw.ctx.db.insert(models).values({ id: 'lim-dalle', provider: 'openai', upstreamId: 'dall-e-2', kind: 'image', inputPrice: 0, outputPrice: 0, imagePrice: 0.05, updatedAt: Date.now() }).run();
  rig.gw.ctx.state.reload();
  const CHAT = readChunks('openai', 'text.chunks.txt');
  const IMAGES = fixtureJson('images', 'openai-dalle2-b64.json');
  rig.fake.handler = (_req, rec) => {
    const body = rec.body as any;
    if (rec.path === '/v1/images/generations') return jsonResponse(IMAGES);
    if (body.messages?.[0]?.content === 'fail') return jsonResponse({ error: { message: 'The server had an error', type: 'server_error', param: null, code: null } }, 500);
    return body.stream ? sseResponse(CHAT) : jsonResponse(fixtureJson('openai', 'chat.json'));
  };
  return rig;
}

/** What one row of the walk got: its status and headers (the body read, so a stream has ended). */
interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

/** A request whose head and the start of its body arrive, the rest never does: the gateway's 408, over a raw socket. */
function bodyNeverArrives(rig: LimitsRig, key: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(rig.gw.url).port), '127.0.0.1');
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":`);
    let buf = '';
    socket.on('data', (d) => (buf += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = buf.split('\r\n\r\n');
      const [statusLine, ...lines] = head!.split('\r\n');
      const headers = new Headers(lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

type Send = (key: string, made: { responseId: string }, rig: LimitsRig) => Promise<Response | Answer>;
interface Row {
  name: string;
  send: Send;
  status: number;
  /** Requests this answer counts against RPM (1: admitted). */
  counts: 0 | 1;
  /** Anthropic's endpoints (and Anthropic's clients on the model lists) get `anthropic-ratelimit-*` too. */
  anthropic?: boolean;
  /** Sent again until it answers `status` (each answer checked like any other): the 429. */
  untilRefused?: boolean;
}

const json = (method: string, path: string, body: unknown, headers: Record<string, string> = {}): Send => (key, _made, rig) =>
  fetch(`${rig.gw.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const get = (path: (made: { responseId: string }) => string, method = 'GET', headers: Record<string, string> = {}): Send => (key, made, rig) =>
  fetch(`${rig.gw.url}${path(made)}`, { method, headers: { authorization: `Bearer ${key}`, ...headers } });
const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
const hello = [{ role: 'user', content: 'Hello' }];
const chat = (extra: Record<string, unknown> = {}) => ({ model: 'mock/echo', max_tokens: 20, messages: hello, ...extra });
const message = (extra: Record<string, unknown> = {}) => ({ model: 'mock/echo', max_tokens: 20, messages: hello, ...extra });
const UNKNOWN_RESPONSE = 'resp_0123456789abcdef0123456789abcdef0123456789abcdef';

const ROWS: Row[] = [
  { name: 'GET /v1/models', send: get(() => '/v1/models'), status: 200, counts: 0 },
  { name: 'GET /v1/models, Anthropic client', send: get(() => '/v1/models', 'GET', ANTHROPIC), status: 200, counts: 0, anthropic: true },
  { name: 'GET /v1/models/{id}', send: get(() => '/v1/models/mock/echo'), status: 200, counts: 0 },
  { name: 'GET /v1/models/{id} unknown', send: get(() => '/v1/models/no-such-model'), status: 404, counts: 0 },
  { name: 'chat', send: json('POST', '/v1/chat/completions', chat()), status: 200, counts: 1 },
  { name: 'chat stream', send: json('POST', '/v1/chat/completions', chat({ stream: true })), status: 200, counts: 1 },
  { name: 'chat upstream failure', send: json('POST', '/v1/chat/completions', { model: 'lim-model', max_tokens: 20, messages: [{ role: 'user', content: 'fail' }] }), status: 502, counts: 1 },
  { name: 'chat 400 invalid body', send: json('POST', '/v1/chat/completions', { model: 'mock/echo', messages: 'nope' }), status: 400, counts: 0 },
  { name: 'chat 400 not JSON', send: json('POST', '/v1/chat/completions', '{"model":'), status: 400, counts: 0 },
  { name: 'chat 413 body too large', send: json('POST', '/v1/chat/completions', chat({ user: 'x'.repeat(100_000) })), status: 413, counts: 0 },
  { name: 'chat 408 body never arrives', send: (key, _made, rig) => bodyNeverArrives(rig, key), status: 408, counts: 0 },
  { name: 'chat 403 model not allowed', send: json('POST', '/v1/chat/completions', chat({ model: 'lim-other' })), status: 403, counts: 0 },
  { name: 'responses', send: json('POST', '/v1/responses', { model: 'mock/echo', max_output_tokens: 20, input: 'Hello' }), status: 200, counts: 1 },
  { name: 'responses stream', send: json('POST', '/v1/responses', { model: 'mock/echo', max_output_tokens: 20, input: 'Hello', stream: true }), status: 200, counts: 1 },
  { name: 'responses 400', send: json('POST', '/v1/responses', { model: 'mock/echo', input: 'Hello', temperature: 'hot' }), status: 400, counts: 0 },
  { name: 'responses 400 input of a wrong type', send: json('POST', '/v1/responses', { model: 'mock/echo', input: 42 }), status: 400, counts: 0 },
  { name: 'GET /v1/responses/{id}', send: get((m) => `/v1/responses/${m.responseId}`), status: 200, counts: 0 },
  { name: 'GET /v1/responses/{id}/input_items', send: get((m) => `/v1/responses/${m.responseId}/input_items`), status: 200, counts: 0 },
  { name: 'POST /v1/responses/{id}/cancel (not background: 400)', send: get((m) => `/v1/responses/${m.responseId}/cancel`, 'POST'), status: 400, counts: 0 },
  { name: 'GET /v1/responses/{id} unknown', send: get(() => `/v1/responses/${UNKNOWN_RESPONSE}`), status: 404, counts: 0 },
  { name: 'DELETE /v1/responses/{id}', send: get((m) => `/v1/responses/${m.responseId}`, 'DELETE'), status: 200, counts: 0 },
  { name: 'embeddings', send: json('POST', '/v1/embeddings', { model: 'mock/embed', input: 'Hello' }), status: 200, counts: 1 },
  { name: 'embeddings 400', send: json('POST', '/v1/embeddings', { model: 'mock/embed' }), status: 400, counts: 0 },
  { name: 'images', send: json('POST', '/v1/images/generations', { model: 'lim-dalle', prompt: 'a cat', n: 1, size: '256x256' }), status: 200, counts: 1 },
  { name: 'images 400', send: json('POST', '/v1/images/generations', { model: 'lim-dalle' }), status: 400, counts: 0 },
  { name: 'messages', send: json('POST', '/v1/messages', message(), ANTHROPIC), status: 200, counts: 1, anthropic: true },
  { name: 'messages stream', send: json('POST', '/v1/messages', message({ stream: true }), ANTHROPIC), status: 200, counts: 1, anthropic: true },
  { name: 'messages 400', send: json('POST', '/v1/messages', { model: 'mock/echo', messages: hello }, ANTHROPIC), status: 400, counts: 0, anthropic: true },
  { name: 'messages 413', send: json('POST', '/v1/messages', message({ system: 'x'.repeat(100_000) }), ANTHROPIC), status: 413, counts: 0, anthropic: true },
  { name: 'count_tokens', send: json('POST', '/v1/messages/count_tokens', { model: 'mock/echo', messages: hello }, ANTHROPIC), status: 200, counts: 1, anthropic: true },
  { name: 'count_tokens 400', send: json('POST', '/v1/messages/count_tokens', { model: 'mock/echo' }, ANTHROPIC), status: 400, counts: 0, anthropic: true },
  { name: 'count_tokens 400 not JSON', send: json('POST', '/v1/messages/count_tokens', '{"model":', ANTHROPIC), status: 400, counts: 0, anthropic: true },
  // Routes the gateway does not serve answer 404 whatever the key, yet a known key's 404 shows its windows too.
  { name: 'unknown route 404 (POST /v1/images/edits)', send: json('POST', '/v1/images/edits', { model: 'mock/echo', prompt: 'a cat' }), status: 404, counts: 0 },
  { name: 'other method 404 (GET /v1/chat/completions)', send: get(() => '/v1/chat/completions'), status: 404, counts: 0 },
  { name: 'unknown Anthropic route 404 (POST /v1/messages/batches)', send: json('POST', '/v1/messages/batches', { requests: [] }, ANTHROPIC), status: 404, counts: 0, anthropic: true },
  { name: 'chat until 429', send: json('POST', '/v1/chat/completions', chat()), status: 429, counts: 0, untilRefused: true },
  { name: 'messages 429', send: json('POST', '/v1/messages', message(), ANTHROPIC), status: 429, counts: 0, anthropic: true },
  { name: 'GET /v1/models after the window is spent', send: get(() => '/v1/models'), status: 200, counts: 0 },
  { name: 'GET /v1/responses/{id} unknown after the window is spent', send: get(() => `/v1/responses/${UNKNOWN_RESPONSE}`), status: 404, counts: 0 },
  { name: 'unknown route 404 after the window is spent', send: json('POST', '/v1/images/edits', { model: 'mock/echo', prompt: 'a cat' }), status: 404, counts: 0 },
  { name: 'chat 400 after the window is spent', send: json('POST', '/v1/chat/completions', { model: 'mock/echo', messages: 'nope' }), status: 400, counts: 0 },
];

/** Every route once more with a key that expired: each 401 key_expired shows the (untouched) windows. */
const EXPIRED_ROWS: Row[] = [
  { name: 'GET /v1/models', send: get(() => '/v1/models'), status: 401, counts: 0 },
  { name: 'GET /v1/models, Anthropic client', send: get(() => '/v1/models', 'GET', ANTHROPIC), status: 401, counts: 0, anthropic: true },
  { name: 'GET /v1/models/{id}', send: get(() => '/v1/models/mock/echo'), status: 401, counts: 0 },
  { name: 'chat', send: json('POST', '/v1/chat/completions', chat()), status: 401, counts: 0 },
  { name: 'responses', send: json('POST', '/v1/responses', { model: 'mock/echo', input: 'Hello' }), status: 401, counts: 0 },
  { name: 'GET /v1/responses/{id}', send: get(() => `/v1/responses/${UNKNOWN_RESPONSE}`), status: 401, counts: 0 },
  { name: 'GET /v1/responses/{id}/input_items', send: get(() => `/v1/responses/${UNKNOWN_RESPONSE}/input_items`), status: 401, counts: 0 },
  { name: 'POST /v1/responses/{id}/cancel', send: get(() => `/v1/responses/${UNKNOWN_RESPONSE}/cancel`, 'POST'), status: 401, counts: 0 },
  { name: 'DELETE /v1/responses/{id}', send: get(() => `/v1/responses/${UNKNOWN_RESPONSE}`, 'DELETE'), status: 401, counts: 0 },
  { name: 'embeddings', send: json('POST', '/v1/embeddings', { model: 'mock/embed', input: 'Hello' }), status: 401, counts: 0 },
  { name: 'images', send: json('POST', '/v1/images/generations', { model: 'lim-dalle', prompt: 'a cat' }), status: 401, counts: 0 },
  { name: 'messages', send: json('POST', '/v1/messages', message(), ANTHROPIC), status: 401, counts: 0, anthropic: true },
  { name: 'count_tokens', send: json('POST', '/v1/messages/count_tokens', { model: 'mock/echo', messages: hello }, ANTHROPIC), status: 401, counts: 0, anthropic: true },
];

/** OpenAI's reset durations (Go's style): `20ms`, `1s`, `59.5s`, `6m0s`. */
const DURATION = /^(\d+ms|(\d+m)?\d+(\.\d+)?s)$/;
const durationMs = (d: string) => {
  const m = /^(?:(\d+)m)?(\d+(?:\.\d+)?)(ms|s)$/.exec(d)!;
  return Number(m[1] ?? 0) * 60_000 + Number(m[2]) * (m[3] === 'ms' ? 1 : 1000);
};

/** Checks one answer against the walk so far; returns the requests remaining it showed. */
function checkAnswer(row: Row, a: Answer, before: number): number {
  const h = a.headers;
  const got = (name: string) => h.get(name);
  const where = `${row.name} (${a.status}: ${a.body.slice(0, 200)})`;
  for (const kind of ['requests', 'tokens'] as const) {
    const [limit, remaining, reset] = [got(`x-ratelimit-limit-${kind}`), got(`x-ratelimit-remaining-${kind}`), got(`x-ratelimit-reset-${kind}`)];
    expect({ where, kind, present: [limit, remaining, reset].every((v) => v !== null) }).toEqual({ where, kind, present: true });
    expect({ where, limit: Number(limit) }).toEqual({ where, limit: kind === 'requests' ? RPM : TPM });
    expect(remaining!).toMatch(/^\d+$/); // never negative
    expect(Number(remaining)).toBeLessThanOrEqual(Number(limit));
    expect({ where, reset }).toEqual({ where, reset: expect.stringMatching(DURATION) });
    expect(durationMs(reset!)).toBeLessThanOrEqual(60_000);
  }
  // Never up within the window, and down by exactly what this answer counted (a floor of 0).
  const remaining = Number(got('x-ratelimit-remaining-requests'));
  expect({ where, remaining }).toEqual({ where, remaining: Math.max(0, before - row.counts) });
  if (row.anthropic) {
    expect({ where, anthropic: got('anthropic-ratelimit-requests-remaining') }).toEqual({ where, anthropic: String(remaining) });
    expect(got('anthropic-ratelimit-tokens-remaining')).toBe(got('x-ratelimit-remaining-tokens'));
  }
  return remaining;
}

const answerOf = async (r: Response | Answer): Promise<Answer> =>
  r instanceof Response ? { status: r.status, headers: r.headers, body: await r.text() } : r;

async function walk(rig: LimitsRig, rows: Row[], key: string): Promise<void> {
  const made = { responseId: '' };
  let remaining = RPM;
  for (const row of rows) {
    // The limits clock moves on a little each row (still within one window), so resets are not all a whole minute.
    rig.clock.now += 500;
    let a = await answerOf(await row.send(key, made, rig));
    if (row.untilRefused) {
      for (let i = 0; i < RPM && a.status === 200; i++) {
        remaining = checkAnswer({ ...row, counts: 1 }, a, remaining);
        a = await answerOf(await row.send(key, made, rig));
      }
    }
    expect({ row: row.name, status: a.status, body: a.status === row.status ? '' : a.body }).toEqual({ row: row.name, status: row.status, body: '' });
    remaining = checkAnswer(row, a, remaining);
    if (row.name === 'responses') made.responseId = JSON.parse(a.body).id;
  }
}

/** The walk of every route and answer kind with one key (RPM and TPM limits, an allow-list for the 403). */
export async function everyAnswerRated(rig: LimitsRig): Promise<void> {
  const c = await limitedClient(rig.gw, 'walker', { rpm: RPM, tpm: TPM, models: ['mock/*', 'lim-model', 'lim-dalle'] });
  await walk(rig, ROWS, c.key);
}

/** Every route with a key that expired: each 401 key_expired shows its untouched windows. */
export async function expiredKeyRated(rig: LimitsRig): Promise<void> {
  const c = await limitedClient(rig.gw, 'expired', { rpm: RPM, tpm: TPM, expiresAt: rig.clock.now - 1 });
  await walk(rig, EXPIRED_ROWS, c.key);
}
