/**
 * `model` is bounded before it goes anywhere (routing, upstream, log row, metric label), and the
 * metric series bound their label values and their number whatever reaches them.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MAX_MODEL_CHARS } from '../../src/routing/model-name';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics';
import { MAX_LABEL_CHARS, MAX_SERIES_PER_METRIC } from '../../src/metrics/metric-series';
import { renderPrometheus } from '../../src/metrics/prometheus-text';
import type { LogRow } from '../../src/logging/log-row';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

// Gateways, password hashes and raw sockets: seconds on a loaded machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

let gw: TestGateway;
useGateway((g) => void (gw = g), { env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });

const post = (key: string, path: string, body: unknown) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

const longModel = `mock/${'x'.repeat(MAX_MODEL_CHARS)}`;

describe('model name length', () => {
  test('every /v1 POST refuses a model longer than the limit: 400 in OpenAI shape, param model', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], stream: true }],
      ['/v1/responses', { input: 'hi' }],
      ['/v1/images/generations', { prompt: 'a cat' }],
      ['/v1/embeddings', { input: 'hi' }],
    ];
    for (const [path, rest] of cases) {
      for (const model of [longModel, `openai/${'y'.repeat(1024 * 1024)}`]) {
        const res = await post(gw.clientKey, path, { model, ...rest });
        const body = (await res.json()) as any;
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expect(body.error).toMatchObject({ param: 'model', type: 'invalid_request_error', code: 'invalid_model' });
      }
    }
  });

  test('a refused chat request still leaves one row, with the model cut to the limit', async () => {
    const c = gw.addClient('long model');
    const res = await post(c.key, '/v1/chat/completions', { model: `openai/${'z'.repeat(100_000)}`, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(400);
    await gw.waitForLogs(1);
    const deadline = Date.now() + 5000;
    while (!gw.logs.some((r) => r.clientId === c.id) && Date.now() < deadline) await Bun.sleep(20);
    const rows = gw.logs.filter((r) => r.clientId === c.id);
    expect(rows.length).toBe(1);
    expect(rows[0]!.status).toBe(400);
    expect(rows[0]!.modelRequested.length).toBeLessThanOrEqual(MAX_MODEL_CHARS);
  });

  test('a model of exactly the limit is accepted by validation', async () => {
    const res = await post(gw.clientKey, '/v1/chat/completions', { model: longModel.slice(0, MAX_MODEL_CHARS), messages: [{ role: 'user', content: 'hi' }] });
    const body = (await res.json()) as any;
    expect(body.error?.code).not.toBe('invalid_model');
  });
});

describe('metric series', () => {
  const rec = (model: string, over: Partial<LogRow> = {}): LogRow => ({
    createdAt: Date.now(), requestId: crypto.randomUUID(), clientId: 1, endpoint: 'chat', modelRequested: model, model,
    provider: 'openai', route: null, stream: false, status: 502, errorType: 'upstream_error', error: null, promptTokens: 1,
    cachedTokens: 0, completionTokens: 1, reasoningTokens: 0, estimated: false, costUsd: 0.1, latencyMs: 1, ttfbMs: null, overheadMs: 0.1, ...over,
  });

  test('label values are cut to a bounded length (a 1 MiB model name gives a small scrape)', () => {
    const m = new GatewayMetrics();
    for (let i = 0; i < 20; i++) m.observe(rec(`${i}/${'m'.repeat(1024 * 1024)}`, { errorType: 'e'.repeat(10_000) }));
    const text = renderPrometheus(m.all(), []);
    expect(text.length).toBeLessThan(200_000);
    for (const [, value] of text.matchAll(/="((?:[^"\\]|\\.)*)"/g)) expect(value!.length).toBeLessThanOrEqual(MAX_LABEL_CHARS + 8);
  });

  test('the number of series per metric is bounded (new combinations fold into `other`)', () => {
    const m = new GatewayMetrics();
    for (let i = 0; i < MAX_SERIES_PER_METRIC + 500; i++) m.observe(rec(`openai/model-${i}`));
    for (const metric of m.all()) expect([...metric.entries()].length).toBeLessThanOrEqual(MAX_SERIES_PER_METRIC + 1);
  });
});

describe('unusual characters in model names', () => {
  const waitRows = async (clientId: number) => {
    const deadline = Date.now() + 5000;
    while (!gw.logs.some((r) => r.clientId === clientId) && Date.now() < deadline) await Bun.sleep(20);
    await Bun.sleep(50); // a second row, if any, would land now
    return gw.logs.filter((r) => r.clientId === clientId);
  };

  for (const [label, model] of [
    ['CRLF', 'mock/a\r\nx-injected: 1'],
    ['LF', 'mock/a\nb'],
    ['NUL', 'mock/a\u0000b'],
    ['U+2028', 'mock/a\u2028b'],
    ['a bidi override', 'mock/a\u202eb'],
    ['a C1 control', 'mock/a\u0085b'],
    ['a lone surrogate', 'mock/a\ud800b'],
  ] as const) {
    for (const stream of [false, true]) {
      test(`${label} (${stream ? 'stream' : 'non-stream'}): 400 before any upstream call, one row`, async () => {
        const c = gw.addClient(`${label} ${stream}`);
        const res = await post(c.key, '/v1/chat/completions', { model, stream, messages: [{ role: 'user', content: 'hi' }] });
        expect(res.status).toBe(400);
        expect(((await res.json()) as any).error).toMatchObject({ param: 'model', code: 'invalid_model' });
        const rows = await waitRows(c.id);
        expect(rows.length).toBe(1);
        expect(rows[0]!.status).toBe(400);
      });
    }
  }

  for (const [label, model] of [
    ['CJK', 'mock/模型'],
    ['emoji', 'mock/🤖-bot'],
    ['a percent sign', 'mock/50%'],
  ] as const) {
    for (const stream of [false, true]) {
      test(`${label} (${stream ? 'stream' : 'non-stream'}): answered, header value encoded, one row with the real status`, async () => {
        const c = gw.addClient(`${label} ${stream}`);
        const res = await post(c.key, '/v1/chat/completions', { model, stream, messages: [{ role: 'user', content: 'hi' }] });
        const text = await res.text();
        expect({ status: res.status, text: text.slice(0, 200) }).toMatchObject({ status: 200 });
        expect(decodeURIComponent(res.headers.get('x-gophergate-model')!)).toBe(model);
        const rows = await waitRows(c.id);
        expect(rows.length).toBe(1);
        expect(rows[0]!.status).toBe(200);
      });
    }
  }
});

describe('model names on the Anthropic Messages API', () => {
  const anthropicPost = (key: string, path: string, body: unknown) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const msg = { max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

  for (const [label, model] of [
    ['too long', longModel],
    ['1 MiB', `openai/${'y'.repeat(1024 * 1024)}`],
    ['CRLF', 'mock/a\r\nx-injected: 1'],
    ['NUL', 'mock/a\u0000b'],
    ['a bidi override', 'mock/a\u202eb'],
  ] as const) {
    for (const [path, stream] of [['/v1/messages', false], ['/v1/messages', true], ['/v1/messages/count_tokens', false]] as const) {
      test(`${label} on ${path}${stream ? ' (stream)' : ''}: 400 invalid_request_error in Anthropic's shape, one row`, async () => {
        const c = gw.addClient(`anthropic ${label} ${path} ${stream}`);
        const res = await anthropicPost(c.key, path, { model, stream, ...msg });
        expect(res.status).toBe(400);
        const body = (await res.json()) as any;
        expect(body.type).toBe('error');
        expect(body.error.type).toBe('invalid_request_error');
        expect(body.error.message).toContain("'model'");
        const deadline = Date.now() + 5000;
        while (!gw.logs.some((r) => r.clientId === c.id) && Date.now() < deadline) await Bun.sleep(20);
        await Bun.sleep(50);
        const rows = gw.logs.filter((r) => r.clientId === c.id);
        expect(rows.length).toBe(1);
        expect(rows[0]!.status).toBe(400);
        expect(rows[0]!.modelRequested.length).toBeLessThanOrEqual(MAX_MODEL_CHARS);
      });
    }
  }

  test('a model of exactly the limit passes validation on /v1/messages', async () => {
    const res = await anthropicPost(gw.clientKey, '/v1/messages', { model: longModel.slice(0, MAX_MODEL_CHARS), ...msg });
    const body = (await res.json()) as any;
    expect(body.error?.message ?? '').not.toContain("Invalid value for 'model'");
  });
});
