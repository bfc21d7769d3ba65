/**
 * /metrics under hostile input, through every /v1 endpoint that logs: model names with quotes,
 * backslashes, non-ASCII and emoji, names of providers that do not exist, bare unknown names,
 * upstream error codes with newlines. Each scrape must be exposition a strict parser accepts, the
 * series a client can add stay bounded, and counters only grow from one scrape to the next.
 */
import { afterAll, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_ERROR_TYPES, MAX_UNLISTED_MODELS } from '../../src/metrics/gateway-metrics';
import { OWN_ERROR_CODES } from '../../src/metrics/own-error-codes';
import { jsonResponse, okCompletion, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { counterDecreases, parsePrometheus } from './parse-prometheus';

setDefaultTimeout(120_000);

const fake = startFakeUpstream((_req, rec) => {
  const model: string = rec.body?.model ?? '';
  if (model.startsWith('refused')) return jsonResponse({ error: { message: 'no', type: 'invalid_request_error', code: `c"o\\d\ne ${model} é` } }, 400);
  if (rec.path.endsWith('/embeddings')) return jsonResponse({ object: 'list', model, data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], usage: { prompt_tokens: 2, total_tokens: 2 } });
  if (rec.path.endsWith('/images/generations')) return jsonResponse({ created: 1, data: [{ b64_json: 'aGk=' }] });
  if (rec.path.endsWith('/responses')) {
    const usage = { input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 4 };
    const output = [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [] }] }];
    return jsonResponse({ id: `resp_${crypto.randomUUID()}`, object: 'response', created_at: 1, status: 'completed', model, output, usage, error: null, incomplete_details: null });
  }
  return okCompletion(model);
});
let gw: TestGateway;
useGateway((g) => (gw = g), { env: providerEnv('openai', `${fake.url}/v1`) });
afterAll(() => fake.close());

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await gw.fetch(path, { method: 'POST', body: JSON.stringify(body), headers });
  await res.arrayBuffer();
  return res;
};
const chat = (model: string) => post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });
const requests: Array<(model: string) => Promise<Response>> = [
  chat,
  (model) => post('/v1/responses', { model, input: 'hi' }),
  (model) => post('/v1/messages', { model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
  (model) => post('/v1/messages/count_tokens', { model, messages: [{ role: 'user', content: 'hi' }] }),
  (model) => post('/v1/embeddings', { model, input: 'hi' }),
  (model) => post('/v1/images/generations', { model, prompt: 'a fox' }),
];

const scrape = async () => parsePrometheus(await (await fetch(`${gw.url}/metrics`)).text());

const expectMonotonic = (before: Awaited<ReturnType<typeof scrape>>, after: Awaited<ReturnType<typeof scrape>>) => expect(counterDecreases(before, after)).toEqual([]);

test('hostile model names and error codes on every endpoint: valid exposition, bounded series, counters that only grow', async () => {
  const first = await scrape();
  const names = (i: number) => [
    `openai/we"ird\\name-${i}`,
    `openai/ünïcødé-${i}-😀`,
    `openai/${'x'.repeat(300)}-${i}`,
    `nosuch${i}/model`,
    `unknown-model-${i}`,
    `openai/refused-${i}`,
  ];
  const n = MAX_UNLISTED_MODELS + 20;
  for (let i = 0; i < n; i++) {
    const send = requests[i % requests.length]!;
    const answers = await Promise.all(names(i).map(send));
    answers.forEach((res, j) => expect({ name: names(i)[j], path: String(i % requests.length), status: res.status < 500 }).toEqual({ name: names(i)[j], path: String(i % requests.length), status: true }));
  }
  // A listed model after the flood keeps a series of its own.
  expect((await chat('gpt-4o-mini')).status).toBe(200);
  const middle = await scrape();
  expectMonotonic(first, middle);

  for (let i = n; i < n + 30; i++) await Promise.all(names(i).map(chat));
  // A code of the gateway's own first seen after the upstreams' flood keeps its label (an alert on it still sees it).
  const broken = await gw.fetch('/v1/chat/completions', { method: 'POST', body: '{"model": ' });
  expect(((await broken.json()) as any).error.code).toBe('invalid_json');
  const last = await scrape();
  expectMonotonic(middle, last);

  const values = (name: string, label: string) => new Set(last.samples.filter((s) => s.name === name).map((s) => s.labels[label]));
  const models = values('gophergate_requests_total', 'model');
  expect(models.has('gpt-4o-mini')).toBe(true);
  expect(models.has('openai/we"ird\\name-0')).toBe(true);
  expect(models.has('openai/ünïcødé-0-😀')).toBe(true);
  // Unlisted names: at most MAX_UNLISTED_MODELS of them, `other`, `none` (no model served) and gpt-4o-mini.
  expect(models.size).toBeLessThanOrEqual(MAX_UNLISTED_MODELS + 3);
  const errorTypes = values('gophergate_request_errors_total', 'error_type');
  expect([...errorTypes].filter((t) => !OWN_ERROR_CODES.has(t!)).length).toBeLessThanOrEqual(MAX_ERROR_TYPES + 1);
  expect(errorTypes.has('other')).toBe(true);
  expect(errorTypes.has('invalid_json')).toBe(true);
  for (const label of ['provider', 'endpoint', 'status', 'kind']) {
    for (const family of ['gophergate_requests_total', 'gophergate_tokens_total', 'gophergate_request_errors_total']) {
      expect({ family, label, size: values(family, label).size <= 20 }).toEqual({ family, label, size: true });
    }
  }
  // No family has more series than a handful per unlisted model allows.
  const perFamily = new Map<string, number>();
  for (const s of last.samples) perFamily.set(s.name, (perFamily.get(s.name) ?? 0) + 1);
  const big = [...perFamily].filter(([name, count]) => !name.endsWith('_bucket') && count > 20 * (MAX_UNLISTED_MODELS + 3));
  expect(big).toEqual([]);
});

test("every code of README's table is one /metrics always labels as it is", () => {
  const readme = readFileSync(join(import.meta.dir, '../../README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| code | status | when |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  const codes = rows.flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!));
  expect(codes.length).toBeGreaterThan(40);
  expect(codes.filter((c) => !OWN_ERROR_CODES.has(c))).toEqual([]);
});
