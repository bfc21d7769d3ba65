/**
 * /metrics label cardinality over HTTP: `provider/<anything>` reaches its provider, so a client
 * can send endless model names, and an upstream names its own error codes. Only the models
 * table's ids are sure of series of their own; other names and error types get at most
 * MAX_UNLISTED_MODELS / MAX_ERROR_TYPES series, the rest are counted under `other`.
 */
import { afterAll, expect, test } from 'bun:test';
import { MAX_ERROR_TYPES, MAX_UNLISTED_MODELS } from '../../src/metrics/gateway-metrics';
import { okCompletion, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { parsePrometheus, valueOf } from './parse-prometheus';

// An OpenAI-compatible upstream that serves any model name, and refuses `refused-*` ones with a code of its own.
const fake = startFakeUpstream((_req, rec) => {
  const model: string = rec.body.model;
  if (model.startsWith('refused-')) return Response.json({ error: { message: 'no', type: 'invalid_request_error', code: `code-${model}` } }, { status: 400 });
  return okCompletion(model);
});
let gw: TestGateway;
useGateway((g) => (gw = g), { env: providerEnv('openai', `${fake.url}/v1`) });
afterAll(() => fake.close());

const chat = async (model: string) => {
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
  await res.arrayBuffer();
  return res;
};
const scrape = async () => parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text()).samples;
const labelValues = (samples: Awaited<ReturnType<typeof scrape>>, name: string, label: string) => new Set(samples.filter((s) => s.name === name).map((s) => s.labels[label]));

test('invented model names and upstream error codes add a bounded number of series', async () => {
  const invented = MAX_UNLISTED_MODELS + 150;
  for (let i = 0; i < invented; i++) {
    const res = await chat(`openai/invented-${i}`);
    expect(res.status).toBe(200);
    await gw.waitForRow(res);
  }
  const refused = MAX_ERROR_TYPES + 50;
  for (let i = 0; i < refused; i++) {
    const res = await chat(`openai/refused-${i}`);
    expect(res.status).toBe(400);
    await gw.waitForRow(res);
  }
  // A listed model, after the flood: its own series.
  const listed = await chat('gpt-4o-mini');
  expect(listed.status).toBe(200);
  await gw.waitForRow(listed);

  const samples = await scrape();
  const models = labelValues(samples, 'gophergate_requests_total', 'model');
  expect(models.size).toBe(MAX_UNLISTED_MODELS + 2); // the first unlisted names, `other`, gpt-4o-mini
  expect(models.has('gpt-4o-mini')).toBe(true);
  expect(models.has('openai/invented-0')).toBe(true);
  expect(models.has(`openai/invented-${invented - 1}`)).toBe(false);
  expect(valueOf(samples, 'gophergate_requests_total', { model: 'gpt-4o-mini', status: '200' })).toBe(1);
  // Nothing is lost: every request is counted, the later invented names under `other`.
  expect(valueOf(samples, 'gophergate_requests_total', { model: 'other' })).toBe(invented + refused - MAX_UNLISTED_MODELS);
  expect(valueOf(samples, 'gophergate_requests_total')).toBe(invented + refused + 1);
  // The latency histogram has no more series than the request counter's model labels allow.
  expect(labelValues(samples, 'gophergate_request_duration_seconds_count', 'model').size).toBe(MAX_UNLISTED_MODELS + 2);

  const errorTypes = labelValues(samples, 'gophergate_request_errors_total', 'error_type');
  expect(errorTypes.size).toBe(MAX_ERROR_TYPES + 1);
  expect(errorTypes.has('other')).toBe(true);
  expect(valueOf(samples, 'gophergate_request_errors_total')).toBe(refused);
}, 60_000);
