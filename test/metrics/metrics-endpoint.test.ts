import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app';
import { createAppContext } from '../../src/app-context';
import { loadConfig } from '../../src/config/config';
import { createBreakerRegistry, type CircuitBreakers } from '../../src/routing';
import type { LogSink } from '../../src/logging/log-sink-interface';
import type { LogRow } from '../../src/logging/log-row';
import { MAX_SERIES_PER_METRIC } from '../../src/metrics/metric-series';
import { GatewayMetrics, MAX_UNLISTED_MODELS } from '../../src/metrics/gateway-metrics';
import { renderPrometheus } from '../../src/metrics/prometheus-text';
import { parsePrometheus, valueOf } from './parse-prometheus';

// Each test starts a gateway and sends many requests: seconds on a loaded CI machine. A limit only
// bounds a hang.
setDefaultTimeout(30_000);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function record(over: Partial<LogRow> = {}): LogRow {
  return {
    createdAt: Date.now(), requestId: crypto.randomUUID(), clientId: 1, endpoint: 'chat',
    modelRequested: 'gpt-4o-mini', model: 'gpt-4o-mini', provider: 'openai', route: null, stream: false,
    status: 200, errorType: null, error: null, promptTokens: 10, cachedTokens: 4, completionTokens: 7,
    reasoningTokens: 2, estimated: false, costUsd: 0.0015, latencyMs: 120, ttfbMs: null, overheadMs: 0.3, ...over,
  };
}

function setup(env: Record<string, string> = {}, breakers?: CircuitBreakers) {
  const dir = mkdtempSync(join(tmpdir(), 'gg-metrics-'));
  dirs.push(dir);
  const config = loadConfig({ LLM_PROXY__DATABASE__PATH: join(dir, 'gg.db'), LLM_PROXY__ENCRYPTION_KEY: 'ab'.repeat(32), ...env });
  const written: LogRow[] = [];
  const inner: LogSink = { write: (r) => void written.push(r), stats: () => ({ depth: 3, dropped: 2, written: written.length }), close: async () => {} };
  const ctx = createAppContext(config, { logSink: inner, breakers });
  const app = createApp(ctx);
  const scrape = (headers: Record<string, string> = {}) => app.handle(new Request('http://localhost/metrics', { headers }));
  return { ctx, written, scrape };
}

describe('GET /metrics', () => {
  test('counts requests, errors, tokens, cost and histograms from the records the proxy logs', async () => {
    const { ctx, written, scrape } = setup();
    ctx.logSink.write(record());
    ctx.logSink.write(record({ stream: true, ttfbMs: 40, latencyMs: 900, overheadMs: 0.2 }));
    ctx.logSink.write(record({ status: 502, errorType: 'upstream_error', promptTokens: 0, cachedTokens: 0, completionTokens: 0, reasoningTokens: 0, costUsd: 0 }));
    ctx.logSink.write(record({ provider: null, model: null, status: 401, errorType: 'authentication_error', promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0, costUsd: 0 }));
    // The decorator forwards every record unchanged: the log rows stay complete.
    expect(written.length).toBe(4);

    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const { samples, types } = parsePrometheus(await res.text());
    const m = { provider: 'openai', model: 'gpt-4o-mini' };

    expect(valueOf(samples, 'gophergate_requests_total', { ...m, status: '200' })).toBe(2);
    expect(valueOf(samples, 'gophergate_requests_total', { ...m, status: '502' })).toBe(1);
    expect(valueOf(samples, 'gophergate_requests_total', { provider: 'none', status: '401' })).toBe(1);
    expect(valueOf(samples, 'gophergate_request_errors_total', { ...m, error_type: 'upstream_error' })).toBe(1);
    expect(valueOf(samples, 'gophergate_request_errors_total')).toBe(2);
    expect(valueOf(samples, 'gophergate_tokens_total', { ...m, kind: 'input' })).toBe(20);
    expect(valueOf(samples, 'gophergate_tokens_total', { ...m, kind: 'cached_input' })).toBe(8);
    expect(valueOf(samples, 'gophergate_tokens_total', { ...m, kind: 'output' })).toBe(14);
    expect(valueOf(samples, 'gophergate_tokens_total', { ...m, kind: 'reasoning' })).toBe(4);
    expect(valueOf(samples, 'gophergate_cost_usd_total', m)).toBeCloseTo(0.003, 10);

    expect(types.get('gophergate_request_duration_seconds')).toBe('histogram');
    expect(valueOf(samples, 'gophergate_request_duration_seconds_count', m)).toBe(3);
    expect(valueOf(samples, 'gophergate_request_duration_seconds_bucket', { ...m, le: '0.25' })).toBe(2);
    expect(valueOf(samples, 'gophergate_request_duration_seconds_sum', m)).toBeCloseTo(1.14, 10);
    expect(valueOf(samples, 'gophergate_stream_ttfb_seconds_count', m)).toBe(1);
    expect(valueOf(samples, 'gophergate_stream_ttfb_seconds_bucket', { ...m, le: '0.05' })).toBe(1);
    expect(valueOf(samples, 'gophergate_stream_ttfb_seconds_bucket', { ...m, le: '0.025' })).toBe(0);
    expect(valueOf(samples, 'gophergate_overhead_seconds_bucket', { provider: 'openai', le: '0.00025' })).toBe(1);
    expect(valueOf(samples, 'gophergate_overhead_seconds_count', { provider: 'openai' })).toBe(3);

    expect(valueOf(samples, 'gophergate_log_queue_depth')).toBe(3);
    expect(valueOf(samples, 'gophergate_log_dropped_total')).toBe(2);
    expect(valueOf(samples, 'gophergate_log_written_total')).toBe(4);
    expect(valueOf(samples, 'gophergate_circuit_state', { provider: 'openai', state: 'closed' })).toBe(1);
    expect(valueOf(samples, 'gophergate_circuit_state', { provider: 'openai', state: 'open' })).toBe(0);
  });

  test('reports each provider breaker state', async () => {
    const breakers: CircuitBreakers = {
      ...createBreakerRegistry(),
      allow: () => true, available: () => true, onSuccess() {}, onFailure() {}, retryAfterMs: () => 0,
      state: (p) => (p === 'deepseek' ? 'open' : p === 'grok' ? 'half_open' : 'closed'),
    };
    const { samples } = parsePrometheus(await (await setup({}, breakers).scrape()).text());
    expect(valueOf(samples, 'gophergate_circuit_state', { provider: 'deepseek', state: 'open' })).toBe(1);
    expect(valueOf(samples, 'gophergate_circuit_state', { provider: 'deepseek', state: 'closed' })).toBe(0);
    expect(valueOf(samples, 'gophergate_circuit_state', { provider: 'grok', state: 'half_open' })).toBe(1);
    // Exactly one state is current per provider.
    expect(valueOf(samples, 'gophergate_circuit_state', { provider: 'gemini' })).toBe(1);
  });

  test('label values with quotes, backslashes and newlines stay valid exposition text', async () => {
    const { ctx, scrape } = setup();
    const model = 'we"ird\\model\nname';
    ctx.logSink.write(record({ model }));
    const { samples } = parsePrometheus(await (await scrape()).text());
    expect(valueOf(samples, 'gophergate_requests_total', { model })).toBe(1);
  });

  test('invented model names cannot grow the series without bound', async () => {
    const { ctx, scrape } = setup();
    for (let i = 0; i < MAX_UNLISTED_MODELS + 50; i++) ctx.logSink.write(record({ model: `m-${i}` }));
    // A model of the models table keeps its own series after the flood.
    ctx.logSink.write(record({ model: 'gpt-4o-mini' }));
    const { samples } = parsePrometheus(await (await scrape()).text());
    const series = samples.filter((s) => s.name === 'gophergate_requests_total');
    expect(series.length).toBe(MAX_UNLISTED_MODELS + 2);
    expect(valueOf(samples, 'gophergate_requests_total', { model: 'other' })).toBe(50);
    expect(valueOf(samples, 'gophergate_requests_total', { model: 'gpt-4o-mini' })).toBe(1);
    expect(valueOf(samples, 'gophergate_requests_total')).toBe(MAX_UNLISTED_MODELS + 51);
  });

  test('past the per-metric cap, label combinations fold into one other series', () => {
    // Listed models are never folded by name; the per-metric bound still holds for them.
    const metrics = new GatewayMetrics({ isListedModel: () => true });
    for (let i = 0; i < MAX_SERIES_PER_METRIC + 50; i++) metrics.observe(record({ model: `m-${i}` }));
    const { samples } = parsePrometheus(renderPrometheus(metrics.all(), []));
    const series = samples.filter((s) => s.name === 'gophergate_requests_total');
    expect(series.length).toBe(MAX_SERIES_PER_METRIC + 1);
    expect(valueOf(samples, 'gophergate_requests_total', { model: 'other' })).toBe(50);
  });

  test('a configured token is required as a Bearer header', async () => {
    const { scrape } = setup({ LLM_PROXY__METRICS__TOKEN: 'scrape-secret' });
    const none = await scrape();
    expect(none.status).toBe(401);
    expect((await none.json()).error.type).toBe('authentication_error');
    expect((await scrape({ authorization: 'Bearer wrong-secret!' })).status).toBe(401);
    expect((await scrape({ authorization: 'Bearer scrape-secre' })).status).toBe(401);
    expect((await scrape({ authorization: 'scrape-secret' })).status).toBe(401);
    const ok = await scrape({ authorization: 'Bearer scrape-secret' });
    expect(ok.status).toBe(200);
    parsePrometheus(await ok.text());
  });

  test('the scheme is read as HTTP says (any case, spaces or a tab after it), as on /v1 and /api', async () => {
    const { scrape } = setup({ LLM_PROXY__METRICS__TOKEN: 'scrape-secret' });
    for (const authorization of ['bearer scrape-secret', 'BEARER scrape-secret', 'Bearer\tscrape-secret', 'Bearer   scrape-secret  '])
      expect({ authorization, status: (await scrape({ authorization })).status }).toEqual({ authorization, status: 200 });
    for (const authorization of ['bearer wrong-secret', 'Basic scrape-secret', 'Bearerscrape-secret'])
      expect({ authorization, status: (await scrape({ authorization })).status }).toEqual({ authorization, status: 401 });
  });

  test('a token set with a trailing newline (a secret file, a .env value in quotes) still matches the token Prometheus sends', async () => {
    const { scrape } = setup({ LLM_PROXY__METRICS__TOKEN: ' scrape-secret\n' });
    expect((await scrape({ authorization: 'Bearer scrape-secret' })).status).toBe(200);
    expect((await scrape({ authorization: 'Bearer other' })).status).toBe(401);
  });

  test('a token of spaces only is no token: /metrics is open, as without one', async () => {
    const { scrape } = setup({ LLM_PROXY__METRICS__TOKEN: '   ' });
    expect((await scrape()).status).toBe(200);
  });

  test('disabled metrics answer 404 in the OpenAI error shape', async () => {
    const { scrape } = setup({ LLM_PROXY__METRICS__ENABLED: 'false' });
    const res = await scrape();
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });
});
