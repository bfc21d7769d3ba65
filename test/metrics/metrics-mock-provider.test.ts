import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { parsePrometheus, valueOf } from './parse-prometheus';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__METRICS__TOKEN: 'metrics-token' } });
});
afterAll(() => gw.close());

test('requests through the mock provider show up in /metrics with the numbers of their log rows', async () => {
  const client = gw.openai();
  const messages = [{ role: 'user' as const, content: 'count these words for the metrics test please' }];
  const whole = await client.chat.completions.create({ model: 'mock/echo-1', messages }).withResponse();
  const { data: stream, response } = await client.chat.completions
    .create({ model: 'mock/echo-1', messages, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  for await (const _ of stream);
  const rows = [await gw.waitForRow(whole), await gw.waitForRow(response)];
  const refused = await gw.fetch('/v1/chat/completions', { method: 'POST', body: '{}' });
  expect(refused.status).toBe(400);

  const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: 'Bearer metrics-token' } });
  expect(res.status).toBe(200);
  const { samples } = parsePrometheus(await res.text());
  const ok = rows.filter((r) => r.provider === 'mock' && r.status === 200);
  expect(ok.length).toBe(2);
  const m = { provider: 'mock', model: ok[0]!.model! };
  expect(valueOf(samples, 'gophergate_requests_total', { ...m, endpoint: 'chat', status: '200' })).toBe(2);
  const input = ok.reduce((a, r) => a + r.promptTokens, 0);
  const output = ok.reduce((a, r) => a + r.completionTokens, 0);
  expect(input).toBeGreaterThan(0);
  expect(valueOf(samples, 'gophergate_tokens_total', { ...m, kind: 'input' })).toBe(input);
  expect(valueOf(samples, 'gophergate_tokens_total', { ...m, kind: 'output' })).toBe(output);
  expect(valueOf(samples, 'gophergate_request_duration_seconds_count', m)).toBe(2);
  expect(valueOf(samples, 'gophergate_stream_ttfb_seconds_count', m)).toBe(1);
  expect(valueOf(samples, 'gophergate_overhead_seconds_count', { provider: 'mock' })).toBe(2);
  // Every logged row is counted, the refused request (400) included when it was logged.
  expect(valueOf(samples, 'gophergate_requests_total')).toBe(gw.logs.length);
  expect(valueOf(samples, 'gophergate_circuit_state', { provider: 'mock', state: 'closed' })).toBe(1);
});
