/**
 * The upstream fault matrix against a controllable fake OpenAI upstream. Every fault ends in a
 * defined client outcome (OpenAI-shaped error, or a terminal `data: {"error"}` + `data: [DONE]`
 * once bytes were sent), one correct log row, the breaker reacting as designed (retryable
 * faults open the circuit after 5, then a fast 503 with retry-after and no upstream call), and
 * fallback to the next target of a group when nothing was sent yet.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { SseParser } from '../../src/providers/shared/sse-parser';
import { jsonResponse, readChunks, replayJson, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { expectApiError } from './reliability-helpers';

// Timeout faults wait for 1 s timers, some tests start a gateway: seconds on a loaded CI machine. A
// limit only bounds a hang.
setDefaultTimeout(30_000);

const MODEL = 'openai/gpt-4o-mini';
const CHUNKS = readChunks('openai', 'text.chunks.txt');
const msgs = [{ role: 'user', content: 'hi' }];

let fake: FakeUpstream;
let backup: FakeUpstream;
/**
 * Two gateways on the same fakes. `gw` waits as long as an answer takes (60 s timers), so a fault
 * that is not a timeout never races a timer on a loaded machine (a 500 must not turn into a 504).
 * `timed` has 1 s timers for the timeout faults, whose fakes never answer (or go silent) until the
 * gateway hangs up: load can delay those timeouts but never prevent them.
 */
let gw: TestGateway;
let timed: TestGateway;
const breakers = (g: TestGateway) => g.ctx.breakers;

async function gatewayWithPair(timeoutS: string): Promise<TestGateway> {
  const g = await startGateway({
    env: {
      ...providerEnv('openai', `${fake.url}/v1`),
      ...providerEnv('deepseek', `${backup.url}/v1`),
      LLM_PROXY__UPSTREAM__TIMEOUT_S: timeoutS,
      LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: timeoutS,
    },
  });
  g.ctx.db
    .insert(modelGroups)
    .values({ name: 'faulty-pair', strategy: 'heuristic', targets: [MODEL, 'deepseek/deepseek-chat'], updatedAt: Date.now() })
    .run();
  g.ctx.state.reload();
  return g;
}

beforeAll(async () => {
  fake = startFakeUpstream();
  backup = startFakeUpstream(replayJson('deepseek', 'chat.json'));
  gw = await gatewayWithPair('60');
  timed = await gatewayWithPair('1');
});
afterAll(async () => {
  await gw.close();
  await timed.close();
  fake.close();
  backup.close();
});
beforeEach(() => {
  for (const g of [gw, timed]) {
    breakers(g).reset();
    g.logs.length = 0;
  }
  fake.requests.length = 0;
  backup.requests.length = 0;
});

/**
 * Opened by the client once it has read the good part of a stream (or the stream ended). A cut
 * or an error event waits for it: on a loaded machine either could otherwise reach the gateway
 * together with the good chunks (a cut then destroys what was not read yet, an error event is
 * parsed in the same read) and the fault would land before the first byte. Each request gets a
 * fresh one, so such faults go one request at a time.
 */
let clientHasRead = Promise.withResolvers<void>();
const post = (g: TestGateway, body: Record<string, unknown>) => {
  clientHasRead = Promise.withResolvers<void>();
  return g.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(body) });
};

interface PreFault {
  name: string;
  handler: FakeHandler;
  /** A timeout fault: runs on the `timed` gateway. */
  timed?: boolean;
  stream: boolean;
  status: number;
  code: string;
  retryable: boolean;
  /** A retryable failure the breaker does not count (a 429: the key pool rests the keys instead). */
  keysOnly?: true;
  headers?: Record<string, string>;
}

/** Never sends headers: the request stays open until the gateway gives up on it. */
const noAnswer: FakeHandler = (req) =>
  new Promise((resolve) => req.signal.addEventListener('abort', () => resolve(jsonResponse({}))));

/** Faults before the first byte reached the client: a clean error, and fallback is possible. */
const PRE: PreFault[] = [
  { name: 'HTTP 500', handler: () => jsonResponse({ error: { message: 'boom' } }, 500), stream: false, status: 502, code: 'upstream_error', retryable: true },
  { name: 'HTTP 502 (HTML body)', handler: () => new Response('<html>Bad Gateway</html>', { status: 502 }), stream: false, status: 502, code: 'upstream_error', retryable: true },
  { name: 'HTTP 503 on a stream', handler: () => jsonResponse({ error: { message: 'overloaded' } }, 503), stream: true, status: 502, code: 'upstream_error', retryable: true },
  {
    name: 'HTTP 429 with retry-after',
    handler: () => jsonResponse({ error: { message: 'slow down', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '7' }),
    stream: false, status: 429, code: 'rate_limit_exceeded', retryable: true, keysOnly: true, headers: { 'retry-after': '7' },
  },
  { name: 'slow headers (timeout)', handler: noAnswer, timed: true, stream: false, status: 504, code: 'upstream_timeout', retryable: true },
  { name: 'slow headers on a stream (timeout)', handler: noAnswer, timed: true, stream: true, status: 504, code: 'upstream_timeout', retryable: true },
  { name: '200 with an invalid JSON body', handler: () => new Response('{"id": "chatcmpl-1", "choices": [', { headers: { 'content-type': 'application/json' } }), stream: false, status: 502, code: 'upstream_error', retryable: true },
  {
    name: '200 with invalid SSE (no event, no [DONE])',
    handler: () => new Response('this is not\nserver-sent events\n\n', { headers: { 'content-type': 'text/event-stream' } }),
    stream: true, status: 502, code: 'upstream_error', retryable: true,
  },
  { name: 'HTTP 400 (not retryable)', handler: () => jsonResponse({ error: { message: 'bad', code: 'invalid_value' } }, 400), stream: false, status: 400, code: 'invalid_value', retryable: false },
];

/**
 * Five requests that fail. Timeouts go side by side (five 1 s waits in a row would add seconds to
 * the suite); the breaker counts concurrent failures exactly like consecutive ones.
 */
async function fiveFailures(g: TestGateway, body: Record<string, unknown>, concurrent: boolean, check: (res: Response) => Promise<void>) {
  if (concurrent) {
    await Promise.all(Array.from({ length: 5 }, async () => check(await post(g, body))));
    return;
  }
  for (let i = 0; i < 5; i++) await check(await post(g, body));
}

describe('faults before the first byte', () => {
  for (const f of PRE) {
    const via = () => (f.timed ? timed : gw);

    test(`${f.name}: ${f.status} ${f.code}, logged`, async () => {
      fake.handler = f.handler;
      const res = await post(via(), { model: MODEL, messages: msgs, stream: f.stream });
      const err = await expectApiError(res, f.status);
      expect(err.code).toBe(f.code);
      expect(err.message).toMatch(/openai/i);
      const row = await via().waitForRow(res);
      expect(row).toMatchObject({ status: f.status, errorType: f.code, provider: 'openai', stream: f.stream, completionTokens: 0 });
      expect(row.error).toBe(err.message);
    });

    test(`${f.name}: ${f.retryable ? 'falls back to the next target of the group' : 'is not retried elsewhere'}`, async () => {
      fake.handler = f.handler;
      const res = await post(via(), { model: 'faulty-pair', messages: msgs });
      if (f.retryable) {
        expect(res.status).toBe(200);
        expect(res.headers.get('x-gophergate-provider')).toBe('deepseek');
        const row = await via().waitForRow(res);
        expect(row.status).toBe(200);
        expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['openai', f.status], ['deepseek', 200]]);
      } else {
        await expectApiError(res, f.status);
        expect(backup.requests.length).toBe(0);
      }
    });

    const opens = f.retryable && !f.keysOnly;
    test(`${f.name}: ${opens ? 'five in a row open the circuit; then a fast 503 without a call' : 'never opens the circuit'}`, async () => {
      fake.handler = f.handler;
      const g = via();
      await fiveFailures(g, { model: MODEL, messages: msgs, stream: f.stream }, f.timed === true, async (res) => {
        expect(res.status).toBe(f.status);
        await res.text();
      });
      const health = (await (await fetch(`${g.url}/health`)).json()) as any;
      // The model's circuit opens on any retryable failure; its provider's only when the provider
      // failed as a whole (not reached, timed out, broke off), not on one model's HTTP errors.
      const providerWide = f.code === 'upstream_timeout' || f.code === 'upstream_unreachable';
      expect(health.providers.openai.circuit).toBe(opens && providerWide ? 'open' : 'closed');
      expect(health.providers.openai.model_circuits.map((c: any) => [c.model, c.circuit])).toEqual(opens ? [['gpt-4o-mini', 'open']] : []);
      const before = fake.requests.length;
      const res = await post(g, { model: MODEL, messages: msgs });
      if (opens) {
        const err = await expectApiError(res, 503);
        expect(err.code).toBe('circuit_open');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(fake.requests.length).toBe(before);
        const row = await g.waitForRow(res);
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
      const first = await post1();
      const err = await expectApiError(first, 502);
      expect(err.code).toBe('upstream_unreachable');
      expect(await g.waitForRow(first)).toMatchObject({ status: 502, errorType: 'upstream_unreachable', provider: 'openai' });
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

/** Text the client's chat chunks delivered. */
const deliveredText = (data: string[]) =>
  data.map((d) => (d.startsWith('{') ? (JSON.parse(d).choices?.[0]?.delta?.content ?? '') : '')).join('');

/** Reads an SSE response as it comes, opening `clientHasRead` once 'Hello! How' arrived; returns its data payloads. */
async function sseData(res: Response): Promise<string[]> {
  const data: string[] = [];
  const parser = new SseParser((e) => {
    data.push(e.data);
    if (deliveredText(data).includes('Hello! How')) clientHasRead.resolve();
  });
  const decoder = new TextDecoder();
  for await (const bytes of res.body!) parser.push(decoder.decode(bytes, { stream: true }));
  parser.end();
  clientHasRead.resolve();
  return data;
}


interface MidFault {
  name: string;
  handler: FakeHandler;
  status: number;
  code: string;
  /** What the error event's message says (a cut stream: the upstream was reached, then broke off). */
  message?: RegExp;
  /** A timeout fault: runs on the `timed` gateway. */
  timed?: boolean;
}

const untilClientRead = () => ({ at: 3, until: clientHasRead.promise });

/** Faults after bytes reached the client: the stream ends with an error event and [DONE]. */
const MID: MidFault[] = [
  {
    name: 'stream stalls (idle timeout)',
    handler: (_r, _x, f) => sseResponse(CHUNKS, { hangAfter: 3, onAbort: () => f.noteAbort() }),
    timed: true, status: 504, code: 'upstream_timeout',
  },
  { name: 'stream cut mid-way', handler: () => sseResponse(CHUNKS, { cutAfter: 3, holdAt: untilClientRead() }), status: 502, code: 'upstream_unreachable', message: /^Upstream OpenAI \(openai\) broke off its answer: / },
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
    handler: () =>
      sseResponse([...CHUNKS.slice(0, 3), JSON.stringify({ error: { message: 'The server had an error while processing your request.' } })], {
        holdAt: untilClientRead(),
      }),
    status: 502, code: 'upstream_error',
  },
];

describe('faults after the first byte', () => {
  for (const f of MID) {
    const via = () => (f.timed ? timed : gw);

    test(`${f.name}: terminal error event + [DONE], row ${f.status} with estimated usage of what was delivered`, async () => {
      fake.handler = f.handler;
      const res = await post(via(), { model: MODEL, messages: msgs, stream: true, stream_options: { include_usage: true } });
      expect(res.status).toBe(200);
      const data = await sseData(res);
      expect(data.at(-1)).toBe('[DONE]');
      const errorEvent = JSON.parse(data.at(-2)!);
      expect(Object.keys(errorEvent.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(errorEvent.error.code).toBe(f.code);
      if (f.message) expect(errorEvent.error.message).toMatch(f.message);
      expect(deliveredText(data.slice(0, -2))).toBe('Hello! How');
      const row = await via().waitForRow(res);
      expect(row).toMatchObject({ status: f.status, errorType: f.code, stream: true, estimated: true });
      expect(row.completionTokens).toBeGreaterThan(0);
      expect(row.completionTokens).toBeLessThan(10);
      expect(row.promptTokens).toBeGreaterThan(0);
    });

    test(`${f.name}: counts as a breaker failure (five open the circuit), no fallback once bytes went out`, async () => {
      fake.handler = f.handler;
      const g = via();
      await fiveFailures(g, { model: 'faulty-pair', messages: msgs, stream: true }, f.timed === true, async (res) => {
        expect(res.status).toBe(200);
        expect((await sseData(res)).at(-1)).toBe('[DONE]');
      });
      expect(backup.requests.length).toBe(0);
      // The model's circuit opens; the provider's too when the provider failed as a whole (stalled, cut).
      expect(breakers(g).available('openai', 'gpt-4o-mini')).toBe(false);
      expect(breakers(g).state('openai')).toBe(f.code === 'upstream_error' ? 'closed' : 'open');
      // with the model's circuit open, the group now goes straight to its second target
      const res = await post(g, { model: 'faulty-pair', messages: msgs });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-gophergate-provider')).toBe('deepseek');
    });
  }
});
