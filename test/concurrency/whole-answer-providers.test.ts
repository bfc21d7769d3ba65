/**
 * Adversarial check of the whole-answer fast path (whole-answer-stream.test.ts has its mechanics):
 * every provider's stream shape on /v1/chat/completions, sent by a loopback upstream in ONE write,
 * must reach the client with the same events, headers and log row (found by x-request-id) as the
 * same answer sent in paced writes. Also: usage the upstream left out (an estimate owed to the
 * client keeps the paced path), error events and cut streams in the one write, the pacing
 * threshold, the /v1/messages and /v1/responses bridges, the openai SDK, and a client that hangs up.
 * The answer went out whole when it carries a content-length (sent as bytes), paced when chunked.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Socket } from 'bun';
import { PACED_FROM_BYTES } from '../../src/http/paced-body';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { fixtureText, readChunks } from '../helpers/fake-upstream';
import { rawUpstream } from '../helpers/raw-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

/**
 * A fake upstream's answer: its content type, its body's pieces (events) and how the body ends: its
 * chunked end, the connection closed (a body without length ends there), or cut (closed mid-body).
 * `every`: paced, the body goes in writes of this many bytes instead (mid-event, mid-character).
 */
type Reply = { head: string; pieces: string[]; end: 'chunked' | 'close' | 'cut'; every?: number };
let next: { reply: Reply; paced: boolean } | null = null;
/** Called once the fake upstream has a request (and has written its answer, when that goes in one write). */
let gotRequest: (() => void) | null = null;

const bytesOf = (s: string) => Buffer.from(s);
const chunked = (b: Buffer) => Buffer.concat([bytesOf(`${b.length.toString(16)}\r\n`), b, bytesOf('\r\n')]);

/** Writes the answer in one write, or paced: the head, then a piece per write. */
async function answer(s: Socket<{ buf: string }>, { reply, paced }: { reply: Reply; paced: boolean }) {
  let body = reply.pieces.map(bytesOf);
  if (paced && reply.every) {
    const all = Buffer.concat(body);
    body = [];
    for (let at = 0; at < all.length; at += reply.every) body.push(all.subarray(at, at + reply.every));
  }
  const framed = reply.end === 'close' ? body : body.map(chunked);
  const tail = bytesOf(reply.end === 'chunked' ? '0\r\n\r\n' : '');
  const head = bytesOf(`HTTP/1.1 200 OK\r\ncontent-type: ${reply.head}\r\n${reply.end === 'close' ? 'connection: close' : 'transfer-encoding: chunked'}\r\n\r\n`);
  if (!paced) s.write(Buffer.concat([head, ...framed, tail]));
  else {
    s.write(head);
    for (const f of [...framed, tail]) {
      await Bun.sleep(3);
      s.write(f);
    }
  }
  if (reply.end !== 'chunked') s.end();
}

const server = rawUpstream((s) => {
  void answer(s, next!);
  gotRequest?.();
});
const upstream = server.url;
let gw: TestGateway;
beforeAll(async () => {
  const env = {};
  for (const p of ['openai', 'deepseek', 'moonshot', 'grok', 'ollama', 'gemini', 'anthropic']) Object.assign(env, providerEnv(p, p === 'gemini' || p === 'anthropic' ? upstream : `${upstream}/v1`));
  // Failing streams are asked for on purpose, twice each: no circuit opens on them.
  gw = await startGateway({ env: { ...env, LLM_PROXY__LOGGING__STORE_BODIES: 'true' }, breakers: createBreakerRegistry({ failureThreshold: 1_000 }) });
});
afterAll(async () => {
  await gw.close();
  server.stop();
});

const sse = (payloads: string[], sep = '\n\n'): Reply => ({ head: 'text/event-stream', pieces: payloads.map((p) => `data: ${p}${sep}`), end: 'chunked' });
const anthropic = (name: string): Reply => ({ head: 'text/event-stream', pieces: fixtureText('anthropic', name).split(/\n\n+/).filter((e) => e.trim()).map((e) => `${e}\n\n`), end: 'chunked' });

/** The answer's headers that say the same for both (not its length or framing, id or times). */
const SAME_HEADERS = ['content-type', 'cache-control', 'connection', 'keep-alive', 'x-gophergate-model', 'x-gophergate-provider', 'x-gophergate-route'];

async function ask(reply: Reply, paced: boolean, model: string, extra: Record<string, unknown> = {}, path = '/v1/chat/completions') {
  next = { reply, paced };
  const ask = path === '/v1/responses' ? { input: 'hi' } : { messages: [{ role: 'user', content: 'hi' }], ...(path === '/v1/messages' ? { max_tokens: 100 } : {}) };
  const res = await gw.fetch(path, { method: 'POST', body: JSON.stringify({ model, ...ask, stream: true, ...extra }) });
  const text = await res.text();
  const id = res.headers.get('x-request-id')!;
  const headers = Object.fromEntries(SAME_HEADERS.map((h) => [h, res.headers.get(h)]));
  return { status: res.status, text, headers, whole: res.headers.get('content-length') !== null, row: await gw.waitForRow(id) };
}


/** The SSE events with the per-request parts (ids, times) that differ between two answers left out. */
const comparable = (sse: string) => sse.split(/\n\n/).filter(Boolean).map((e) => e.replace(/"(id|created|created_at|item_id|completed_at)":("[^"]*"|\d+)/g, ''));
/** The row without its id and its times. */
const rowOf = ({ requestId: _r, createdAt: _c, latencyMs: _l, ttfbMs: _t, overheadMs: _o, queueMs: _q, ...rest }: Record<string, unknown>) => rest;

async function same(reply: () => Reply, model: string, extra: Record<string, unknown> = {}, wholePath: boolean | null = true, path?: string) {
  const a = await ask(reply(), false, model, extra, path);
  const b = await ask(reply(), true, model, extra, path);
  expect(b.whole).toBe(false);
  expect(a.status).toBe(b.status);
  expect(a.headers).toEqual(b.headers);
  expect(comparable(a.text)).toEqual(comparable(b.text).map((e, i) => (i === 0 && path === '/v1/messages' ? comparable(a.text)[0]! : e)));
  expect(rowOf(a.row as any)).toEqual(rowOf(b.row as any));
  // null: either (a body near the threshold may come in more than one network read).
  if (wholePath !== null) expect(a.whole).toBe(wholePath);
  return a;
}

const MODEL = {
  openai: 'openai/gpt-4o-mini', deepseek: 'deepseek/deepseek-reasoner', moonshot: 'moonshot/kimi-k2-0905-preview', grok: 'grok/grok-3-mini',
  ollama: 'ollama/qwen3:8b', gemini: 'gemini/gemini-2.5-flash', anthropic: 'anthropic/claude-sonnet-4-5',
} as const;
type Provider = keyof typeof MODEL;
/** An OpenAI-compatible stream from a fixture, ending in [DONE] (some recordings leave it out). */
const chunks = (dir: string, name: string) => {
  const payloads = readChunks(dir, name).filter((p) => p !== '[DONE]');
  return [...payloads, '[DONE]'];
};
/** Each provider's recorded stream shapes: text, tool calls, reasoning, usage where it puts it. */
const SHAPES: [Provider, string, () => Reply][] = [
  ...(['openai', 'deepseek', 'moonshot', 'grok', 'ollama'] as const).flatMap((p): [Provider, string, () => Reply][] => [
    // OpenAI's text stream: whole-answer-stream.test.ts.
    ...(p === 'openai' ? [] : [[p, 'text', () => sse(chunks(p, 'text.chunks.txt'))] as [Provider, string, () => Reply]]),
    [p, 'tools', () => sse(chunks(p, 'tools.chunks.txt'))],
  ]),
  ['deepseek', 'reasoning_content and tools', () => sse(chunks('deepseek', 'reasoner-tools.chunks.txt'))],
  ['moonshot', 'thinking and tools', () => sse(chunks('moonshot', 'thinking-tools.chunks.txt'))],
  ['moonshot', 'usage inside choices[0]', () => sse(chunks('usage', 'moonshot-stream-choice-usage.chunks.txt'))],
  // DeepSeek's keep-alive comments while the request was queued, then the answer.
  ['deepseek', 'keep-alive comments first', () => ({ ...sse(chunks('deepseek', 'text.chunks.txt')), pieces: [': keep-alive\n\n', ': keep-alive\n\n', ...sse(chunks('deepseek', 'text.chunks.txt')).pieces] })],
  // Paced in 7-byte writes: events and UTF-8 characters split across reads.
  ['openai', 'multi-byte text split mid-character', () => ({ ...sse(chunks('openai', 'text.chunks.txt').map((p) => p.replace('Hello', 'Héllo 世界 🎉'))), every: 7 })],
  ['grok', 'reasoning tokens', () => sse(chunks('usage', 'grok-3-mini-reasoning.chunks.txt'))],
  ...['text', 'text-call-text', 'tool-call-gemini3', 'prompt-block'].map((f): [Provider, string, () => Reply] => ['gemini', f, () => sse(readChunks('gemini', `${f}.chunks.txt`), '\r\n\r\n')]),
  ...['text', 'thinking-tool', 'thinking-tokens', 'cache-read', 'pause-turn', 'json-output'].map((f): [Provider, string, () => Reply] => ['anthropic', f, () => anthropic(`${f}.sse`)]),
];

for (const [provider, shape, reply] of SHAPES) {
  test(`${provider} ${shape}: the answer in one write streams and logs as paced writes give it, include_usage or not`, async () => {
    for (const includeUsage of [true, false]) {
      const a = await same(reply, MODEL[provider], { stream_options: { include_usage: includeUsage } });
      expect(a.text).toEndWith('data: [DONE]\n\n');
    }
  });
}

/** The stream with every usage the upstream gave taken out (Moonshot's inside choices too). */
const withoutUsage = (payloads: string[]) =>
  payloads
    .map((p) => (p === '[DONE]' ? p : JSON.parse(p)))
    .filter((c) => c === '[DONE]' || c.choices.length > 0)
    .map((c) => (c === '[DONE]' ? c : JSON.stringify({ ...c, usage: undefined, choices: c.choices.map((ch: any) => ({ ...ch, usage: undefined })) })));

const geminiWithoutUsage = () => sse(readChunks('gemini', 'text.chunks.txt').map((l) => JSON.stringify({ ...JSON.parse(l), usageMetadata: undefined })), '\r\n\r\n');
for (const provider of ['openai', 'deepseek', 'moonshot', 'grok', 'ollama', 'gemini'] as const) {
  test(`${provider}, no usage upstream: estimated alike; an estimate owed to the client (include_usage) goes out paced`, async () => {
    for (const includeUsage of [true, false]) {
      const a = await same(provider === 'gemini' ? geminiWithoutUsage : () => sse(withoutUsage(chunks(provider, 'text.chunks.txt'))), MODEL[provider], { stream_options: { include_usage: includeUsage } }, !includeUsage);
      expect(a.row.estimated).toBe(true);
      expect(a.text.includes('"usage":{"prompt_tokens"')).toBe(includeUsage);
    }
  });
}
test('an error event mid-stream in the one write: the same error chunk and row', async () => {
  const a = await same(() => anthropic('error-midstream.sse'), 'anthropic/claude-sonnet-4-5', {}, false);
  expect(a.row.status).not.toBe(200);
  const g = await same(() => sse(readChunks('gemini', 'error-midstream.chunks.txt'), '\r\n\r\n'), 'gemini/gemini-2.5-flash', {}, false);
  expect(g.row.status).not.toBe(200);
  const payloads = readChunks('openai', 'text.chunks.txt');
  const o = await same(() => sse([...payloads.slice(0, 3), JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } })]), 'openai/gpt-4o-mini', {}, false);
  expect(o.row).toMatchObject({ status: 502, errorType: 'upstream_error' });
});
test('a stream cut short in the one write (no [DONE] or no message_stop; the body ended, closed or cut): the same ending and row', async () => {
  const openai = chunks('openai', 'text.chunks.txt').slice(0, -1);
  const events = anthropic('text.sse').pieces;
  const cases: [Provider, Reply][] = [
    ['openai', { ...sse(openai), end: 'close' }],
    ['openai', { ...sse(openai), end: 'cut' }],
    ['openai', sse(openai.slice(0, 3))],
    ['openai', { ...sse(openai.slice(0, 3)), end: 'close' }],
    ['anthropic', { ...anthropic('text.sse'), pieces: events.slice(0, -2) }],
    ['anthropic', { ...anthropic('text.sse'), pieces: events.slice(0, -2), end: 'cut' }],
    ['gemini', { ...sse(readChunks('gemini', 'text.chunks.txt').slice(0, -1), '\r\n\r\n'), end: 'cut' }],
  ];
  for (const [provider, reply] of cases) {
    const a = await same(() => reply, MODEL[provider], { stream_options: { include_usage: true } }, null);
    expect(a.text).toEndWith('data: [DONE]\n\n');
  }
});
test('answers just under and at the pacing threshold: both as paced writes give them, the one at it never sent whole', async () => {
  const payloads = readChunks('openai', 'text.chunks.txt');
  const padded = (k: number) => [...payloads.slice(0, 2), JSON.stringify({ ...JSON.parse(payloads[2]!), choices: [{ index: 0, delta: { content: 'x'.repeat(k) }, finish_reason: null }] }), ...payloads.slice(3)];
  const probe = await ask(sse(padded(1000)), false, 'openai/gpt-4o-mini');
  const under = PACED_FROM_BYTES - 1 - (Buffer.byteLength(probe.text) - 1000);
  const a = await same(() => sse(padded(under)), 'openai/gpt-4o-mini', {}, null);
  expect(Buffer.byteLength(a.text)).toBe(PACED_FROM_BYTES - 1);
  const b = await same(() => sse(padded(under + 1)), 'openai/gpt-4o-mini', {}, false);
  expect(Buffer.byteLength(b.text)).toBe(PACED_FROM_BYTES);
});
test('/v1/messages and /v1/responses over targets that answered whole: the same events and rows as paced', async () => {
  const openai = () => sse(readChunks('openai', 'text.chunks.txt'));
  for (const path of ['/v1/messages', '/v1/responses']) {
    const a = await same(openai, 'deepseek/deepseek-reasoner', {}, false, path);
    expect(a.row.completionTokens).toBe(9);
    await same(() => anthropic('text.sse'), 'anthropic/claude-sonnet-4-5', {}, false, path);
    await same(() => sse(readChunks('gemini', 'text.chunks.txt'), '\r\n\r\n'), 'gemini/gemini-2.5-flash', {}, false, path);
  }
});
test('a client that hangs up right after sending: one row, 200 (the answer was out) or 499, and the next request answers', async () => {
  const port = Number(new URL(gw.url).port);
  for (const paced of [false, true]) {
    for (let i = 0; i < 10; i++) {
      const client = gw.addClient(`leaver ${paced} ${i}`);
      next = { reply: sse(readChunks('openai', 'text.chunks.txt')), paced };
      const body = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
      const upstreamGot = new Promise<void>((r) => (gotRequest = r));
      const socket = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } });
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${client.key}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      await upstreamGot;
      socket.end();
      const [row] = await gw.waitForClientRows(client.id, 1);
      expect([200, 499]).toContain(row!.status);
      if (row!.status === 499) expect(row!.errorType).toBe('client_closed_request');
      else expect(row).toMatchObject({ completionTokens: 9, error: null });
      next = { reply: sse(readChunks('openai', 'text.chunks.txt')), paced: false };
      const after = await gw.fetch('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${client.key}` }, body });
      expect(await after.text()).toEndWith('data: [DONE]\n\n');
      await gw.waitForRow(after.headers.get('x-request-id')!);
      expect((await gw.waitForClientRows(client.id, 2)).length).toBe(2);
    }
  }
});
test("the openai SDK reads an answer that went out whole (its length given, no chunked framing) as it reads the paced one", async () => {
  const read = async (reply: Reply, paced: boolean, model: string) => {
    next = { reply, paced };
    const { data, response } = await gw.openai().chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } }).withResponse();
    const got: unknown[] = [];
    for await (const c of data) got.push({ ...c, id: undefined, created: undefined });
    return { got, whole: response.headers.get('content-length') !== null, row: rowOf((await gw.waitForRow(response.headers.get('x-request-id')!)) as any) };
  };
  for (const [reply, model] of [[() => anthropic('thinking-tool.sse'), MODEL.anthropic], [() => sse(chunks('deepseek', 'reasoner-tools.chunks.txt')), MODEL.deepseek]] as const) {
    const [a, b] = [await read(reply(), false, model), await read(reply(), true, model)];
    expect([a.whole, b.whole]).toEqual([true, false]);
    expect(a.got.length).toBeGreaterThan(3);
    expect(a.got).toEqual(b.got);
    expect(a.row).toEqual(b.row);
  }
});
