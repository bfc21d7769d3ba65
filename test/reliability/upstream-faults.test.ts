/**
 * The upstream fault matrix against a controllable fake OpenAI upstream. Every fault ends in a
 * defined client outcome (OpenAI-shaped error, or a terminal `data: {"error"}` + `data: [DONE]`
 * once bytes were sent), one correct log row, the breaker reacting as designed (retryable
 * faults open the circuit after 5, then a fast 503 with retry-after and no upstream call), and
 * fallback to the next target of a group when nothing was sent yet.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import type { CircuitBreakers } from '../../src/routing/circuit-breaker';
import { jsonResponse, readChunks, replayJson, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { expectApiError } from './reliability-helpers';

const MODEL = 'openai/gpt-4o-mini';
const CHUNKS = readChunks('openai', 'text.chunks.txt');
const msgs = [{ role: 'user', content: 'hi' }];

let fake: FakeUpstream;
let backup: FakeUpstream;
let gw: TestGateway;
const breakers = () => gw.ctx.breakers as CircuitBreakers;

beforeAll(async () => {
  fake = startFakeUpstream();
  backup = startFakeUpstream(replayJson('deepseek', 'chat.json'));
  gw = await startGateway({
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      ...providerEnv('deepseek', `${backup.url}/v1`),
      LLM_PROXY__UPSTREAM__TIMEOUT_S: '0.4',
      LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '0.3',
    },
  });
  gw.ctx.db
    .insert(modelGroups)
    .values({ name: 'faulty-pair', strategy: 'heuristic', targets: [MODEL, 'deepseek/deepseek-chat'], updatedAt: Date.now() })
    .run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  fake.close();
  backup.close();
});
beforeEach(() => {
  breakers().reset();
  gw.logs.length = 0;
  fake.requests.length = 0;
  backup.requests.length = 0;
});

const post = (body: Record<string, unknown>) => gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(body) });
const lastRow = async () => (await gw.waitForLogs(1)).at(-1)!;

interface PreFault {
  name: string;
  handler: FakeHandler;
  stream: boolean;
  status: number;
  code: string;
  retryable: boolean;
  headers?: Record<string, string>;
}

const slow: FakeHandler = async () => {
  await Bun.sleep(1500); // past LLM_PROXY__UPSTREAM__TIMEOUT_S
  return jsonResponse({});
};

/** Faults before the first byte reached the client: a clean error, and fallback is possible. */
const PRE: PreFault[] = [
  { name: 'HTTP 500', handler: () => jsonResponse({ error: { message: 'boom' } }, 500), stream: false, status: 502, code: 'upstream_error', retryable: true },
  { name: 'HTTP 502 (HTML body)', handler: () => new Response('<html>Bad Gateway</html>', { status: 502 }), stream: false, status: 502, code: 'upstream_error', retryable: true },
  { name: 'HTTP 503 on a stream', handler: () => jsonResponse({ error: { message: 'overloaded' } }, 503), stream: true, status: 502, code: 'upstream_error', retryable: true },
  {
    name: 'HTTP 429 with retry-after',
    handler: () => jsonResponse({ error: { message: 'slow down', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '7' }),
    stream: false, status: 429, code: 'rate_limit_exceeded', retryable: true, headers: { 'retry-after': '7' },
  },
  { name: 'slow headers (timeout)', handler: slow, stream: false, status: 504, code: 'upstream_timeout', retryable: true },
  { name: 'slow headers on a stream (timeout)', handler: slow, stream: true, status: 504, code: 'upstream_timeout', retryable: true },
  { name: '200 with an invalid JSON body', handler: () => new Response('{"id": "chatcmpl-1", "choices": [', { headers: { 'content-type': 'application/json' } }), stream: false, status: 502, code: 'upstream_unreachable', retryable: true },
  {
    name: '200 with invalid SSE (no event, no [DONE])',
    handler: () => new Response('this is not\nserver-sent events\n\n', { headers: { 'content-type': 'text/event-stream' } }),
    stream: true, status: 502, code: 'upstream_error', retryable: true,
  },
  { name: 'HTTP 400 (not retryable)', handler: () => jsonResponse({ error: { message: 'bad', code: 'invalid_value' } }, 400), stream: false, status: 400, code: 'invalid_value', retryable: false },
];

describe('faults before the first byte', () => {
  for (const f of PRE) {
    test(`${f.name}: ${f.status} ${f.code}, logged`, async () => {
      fake.handler = f.handler;
      const err = await expectApiError(await post({ model: MODEL, messages: msgs, stream: f.stream }), f.status);
      expect(err.code).toBe(f.code);
      expect(err.message).toMatch(/openai/i);
      const row = await lastRow();
      expect(row).toMatchObject({ status: f.status, errorType: f.code, provider: 'openai', stream: f.stream, completionTokens: 0 });
      expect(row.error).toBe(err.message);
    });

    test(`${f.name}: ${f.retryable ? 'falls back to the next target of the group' : 'is not retried elsewhere'}`, async () => {
      fake.handler = f.handler;
      const res = await post({ model: 'faulty-pair', messages: msgs });
      if (f.retryable) {
        expect(res.status).toBe(200);
        expect(res.headers.get('x-gophergate-provider')).toBe('deepseek');
        const row = await lastRow();
        expect(row.status).toBe(200);
        expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['openai', f.status], ['deepseek', 200]]);
      } else {
        await expectApiError(res, f.status);
        expect(backup.requests.length).toBe(0);
      }
    });

    test(`${f.name}: ${f.retryable ? 'five in a row open the circuit; then a fast 503 without a call' : 'never opens the circuit'}`, async () => {
      fake.handler = f.handler;
      for (let i = 0; i < 5; i++) await (await post({ model: MODEL, messages: msgs, stream: f.stream })).text();
      const health = (await (await fetch(`${gw.url}/health`)).json()) as any;
      expect(health.providers.openai.circuit).toBe(f.retryable ? 'open' : 'closed');
      const before = fake.requests.length;
      const res = await post({ model: MODEL, messages: msgs });
      if (f.retryable) {
        const err = await expectApiError(res, 503);
        expect(err.code).toBe('circuit_open');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(fake.requests.length).toBe(before);
        const row = await lastRow();
        expect(row).toMatchObject({ status: 503, errorType: 'circuit_open' });
      } else {
        await expectApiError(res, f.status);
        expect(fake.requests.length).toBe(before + 1);
      }
    });
  }

  test('connection refused: 502 upstream_unreachable, logged, circuit opens after 5', async () => {
    const dead = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') });
    const port = dead.port;
    dead.stop(true);
    const g = await startGateway({ env: providerEnv('openai', `http://127.0.0.1:${port}/v1`) });
    try {
      const post1 = () => g.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: MODEL, messages: msgs }) });
      const err = await expectApiError(await post1(), 502);
      expect(err.code).toBe('upstream_unreachable');
      expect((await g.waitForLogs(1))[0]).toMatchObject({ status: 502, errorType: 'upstream_unreachable', provider: 'openai' });
      for (let i = 0; i < 4; i++) await (await post1()).text();
      const health = (await (await fetch(`${g.url}/health`)).json()) as any;
      expect(health.providers.openai.circuit).toBe('open');
      const fast = await post1();
      expect((await expectApiError(fast, 503)).code).toBe('circuit_open');
      expect(fast.headers.get('retry-after')).toBeTruthy();
    } finally {
      await g.close();
    }
  });
});

/** Reads a whole SSE response and returns its data payloads. */
async function sseData(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => e.replace(/^data: /, ''));
}

interface MidFault {
  name: string;
  handler: FakeHandler;
  status: number;
  code: string;
}

/** Faults after bytes reached the client: the stream ends with an error event and [DONE]. */
const MID: MidFault[] = [
  { name: 'stream stalls (idle timeout)', handler: (_r, _x, f) => sseResponse(CHUNKS, { hangAfter: 3, onAbort: () => f.noteAbort() }), status: 504, code: 'upstream_timeout' },
  { name: 'stream cut mid-way', handler: () => sseResponse(CHUNKS, { cutAfter: 3, delayMs: 15 }), status: 502, code: 'upstream_unreachable' },
  {
    name: 'stream closes early without [DONE]',
    handler: () => sseResponse(CHUNKS.slice(0, 3)),
    status: 502, code: 'upstream_error',
  },
  {
    name: 'invalid SSE after good chunks',
    handler: () => {
      const body = CHUNKS.slice(0, 3).map((c) => `data: ${c}\n\n`).join('') + 'garbage line\n{{{not sse\n\n';
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    },
    status: 502, code: 'upstream_error',
  },
  {
    name: 'error event mid-stream',
    // delayMs: each payload its own network read, so the good ones reach the client first
    handler: () => sseResponse([...CHUNKS.slice(0, 3), JSON.stringify({ error: { message: 'The server had an error while processing your request.' } })], { delayMs: 15 }),
    status: 502, code: 'upstream_error',
  },
];

describe('faults after the first byte', () => {
  for (const f of MID) {
    test(`${f.name}: terminal error event + [DONE], row ${f.status} with estimated usage of what was delivered`, async () => {
      fake.handler = f.handler;
      const res = await post({ model: MODEL, messages: msgs, stream: true, stream_options: { include_usage: true } });
      expect(res.status).toBe(200);
      const data = await sseData(res);
      expect(data.at(-1)).toBe('[DONE]');
      const errorEvent = JSON.parse(data.at(-2)!);
      expect(Object.keys(errorEvent.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(errorEvent.error.code).toBe(f.code);
      const delivered = data.slice(0, -2).map((d) => JSON.parse(d).choices?.[0]?.delta?.content ?? '').join('');
      expect(delivered).toBe('Hello! How');
      const row = await lastRow();
      expect(row).toMatchObject({ status: f.status, errorType: f.code, stream: true, estimated: true });
      expect(row.completionTokens).toBeGreaterThan(0);
      expect(row.completionTokens).toBeLessThan(10);
      expect(row.promptTokens).toBeGreaterThan(0);
    });

    test(`${f.name}: counts as a breaker failure (five open the circuit), no fallback once bytes went out`, async () => {
      fake.handler = f.handler;
      for (let i = 0; i < 5; i++) {
        const res = await post({ model: 'faulty-pair', messages: msgs, stream: true });
        expect(res.status).toBe(200);
        expect((await sseData(res)).at(-1)).toBe('[DONE]');
      }
      expect(backup.requests.length).toBe(0);
      expect(breakers().state('openai')).toBe('open');
      // with openai open, the group now goes straight to its second target
      const res = await post({ model: 'faulty-pair', messages: msgs });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-gophergate-provider')).toBe('deepseek');
    });
  }
});
