/**
 * A large Ollama embeddings request: Ollama answers floats only, and 2,048 vectors of 4,096 values
 * (qwen3-embedding:8b) are ~180 MB of JSON, past the 128 MiB the gateway reads of one answer. The
 * gateway sends such a request in several calls, each answer well under that, one after another,
 * and joins them: input i's vector at index i (the fake lists each call's vectors backwards, by
 * `index`, as Ollama may), usage the sum of Ollama's counts, one row found by x-request-id. A call
 * that fails fails the request in OpenAI's shape, the row billing the calls Ollama answered.
 */
import { afterAll, expect, test } from 'bun:test';
import { MAX_UPSTREAM_BODY_BYTES } from '../../src/providers/shared/read-capped';
import { rawJsonResponse, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { vectorFor } from './fake-embeddings';

/** The model's own width: what Ollama sends when no `dimensions` is asked. */
const WIDTH = 4096;
const MODEL = 'ollama/qwen3-embedding:8b';
/** A call holding this text fails as Ollama's runner does when it crashes. */
const CRASH = 'this text crashes the runner';
/** ~4 characters a token: the fake's stand-in for Ollama's tokenizer. */
const fakeTokens = (s: string) => Math.ceil(s.length / 4);
const sum = (xs: number[]) => xs.reduce((a, n) => a + n, 0);

/** Each call's answer size, by the call's first input. */
const answerBytes = new Map<string, number>();
const ollama = startFakeUpstream((_req, rec) => {
  const inputs: string[] = typeof rec.body.input === 'string' ? [rec.body.input] : rec.body.input;
  if (inputs.includes(CRASH)) return jsonResponse({ error: 'llama runner process has terminated: exit status 2' }, 500);
  // Go prints each float32 widened to a float64 (as JSON.stringify prints these doubles); listed backwards.
  const data = inputs.map((t, index) => ({ object: 'embedding', embedding: vectorFor(t, rec.body.dimensions ?? WIDTH), index })).reverse();
  const n = sum(inputs.map(fakeTokens));
  const text = JSON.stringify({ object: 'list', data, model: rec.body.model, usage: { prompt_tokens: n, total_tokens: n } });
  answerBytes.set(inputs[0]!, text.length);
  return rawJsonResponse(text);
});
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('ollama', `${ollama.url}/v1`, { MODELS: 'qwen3-embedding:8b' }) });
afterAll(() => ollama.close());

const texts = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} chunk ${i} of a long document, split for retrieval`);
/** The inputs of each call Ollama got since `before`, in order. */
const callsSince = (before: number) => ollama.requests.slice(before).map((r) => r.body.input as string[]);
/** How many of the vectors are not the fake's vector for their input (compared value by value). */
function wrongVectors(inputs: string[], vectors: ArrayLike<number>[], dims: number): number[] {
  const wrong: number[] = [];
  inputs.forEach((t, i) => {
    const want = vectorFor(t, dims);
    const got = vectors[i]!;
    if (got.length !== dims || want.some((x, j) => got[j] !== x)) wrong.push(i);
  });
  return wrong;
}

test('2,048 inputs of 4,096 values (the SDK default, base64): calls each well under the cap, joined in input order, usage summed, one row', async () => {
  const inputs = texts(2048, 'b64');
  const before = ollama.requests.length;
  const { data, response } = await gw.openai().embeddings.create({ model: MODEL, input: inputs }).withResponse();
  const calls = callsSince(before);
  expect(calls.length).toBeGreaterThan(1);
  expect(calls.flat()).toEqual(inputs);
  for (const c of calls) expect(answerBytes.get(c[0]!)!).toBeLessThan(MAX_UPSTREAM_BODY_BYTES / 2);
  expect(data.data.map((d) => d.index)).toEqual(inputs.map((_, i) => i));
  expect(wrongVectors(inputs, data.data.map((d) => d.embedding), WIDTH)).toEqual([]);
  expect(data.usage).toEqual({ prompt_tokens: sum(inputs.map(fakeTokens)), total_tokens: sum(inputs.map(fakeTokens)) });
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ endpoint: 'embeddings', status: 200, provider: 'ollama', promptTokens: data.usage.prompt_tokens, estimated: false });
  expect(gw.logs.filter((l) => l.requestId === row.requestId)).toHaveLength(1);
}, 60_000);

test('700 inputs as floats: the same vectors, in order across the calls', async () => {
  const inputs = texts(700, 'float');
  const before = ollama.requests.length;
  const { data, response } = await gw.openai().embeddings.create({ model: MODEL, input: inputs, encoding_format: 'float' }).withResponse();
  expect(callsSince(before).map((c) => c.length)).toEqual([234, 233, 233]);
  expect(data.data.map((d) => d.index)).toEqual(inputs.map((_, i) => i));
  expect(wrongVectors(inputs, data.data.map((d) => d.embedding), WIDTH)).toEqual([]);
  expect((await gw.waitForRow(response)).promptTokens).toBe(sum(inputs.map(fakeTokens)));
}, 60_000);

for (const format of ['float', 'base64'] as const) {
  test(`2,048 inputs of 4,096 values as ${format}: the gateway does not hold several copies of the vectors at once (peak RSS)`, async () => {
    const inputs = texts(2048, `rss-${format}`);
    Bun.gc(true);
    const rss = process.memoryUsage().rss;
    let peak = rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    // Read as it comes and let go of (the SDK's raw answer), so that what grows is the gateway's (and the fake's).
    const res = await gw.openai().embeddings.create({ model: MODEL, input: inputs, encoding_format: format }).asResponse();
    let bytes = 0;
    let tail = '';
    for await (const chunk of res.body!) {
      bytes += chunk.byteLength;
      tail = (tail + Buffer.from(chunk).toString('latin1')).slice(-200);
    }
    clearInterval(sampler);
    const grown = Math.max(peak, process.memoryUsage().rss) - rss;
    expect(res.status).toBe(200);
    const prompt = sum(inputs.map(fakeTokens));
    expect(tail).toEndWith(`"usage":{"prompt_tokens":${prompt},"total_tokens":${prompt}}}`);
    expect((await gw.waitForRow(res)).promptTokens).toBe(prompt);
    // Loose: garbage of the calls (each answer's text and numbers, at the fake and the gateway) waits
    // for the collector; measured ~0.5 GiB for floats (~0.4 for base64), and ~0.75 when every call's
    // answer is kept as well; 2,048 x 4,096 held as numbers, float JSON and their copies is past 1 GiB.
    expect(grown).toBeLessThan(1024 ** 3);
  }, 60_000);
}

test("`dimensions` known: the first call is sized for the widest model, the rest by the width Ollama answered with", async () => {
  const inputs = texts(2048, 'dims');
  const before = ollama.requests.length;
  const { data } = await gw.openai().embeddings.create({ model: MODEL, input: inputs, dimensions: 256 }).withResponse();
  const calls = callsSince(before);
  expect(calls.map((c) => c.length)).toEqual([293, 2048 - 293]);
  expect(ollama.requests.slice(before).map((r) => r.body.dimensions)).toEqual([256, 256]);
  expect(wrongVectors(inputs, data.data.map((d) => d.embedding), 256)).toEqual([]);
}, 60_000);

test("a call after answered ones fails: Ollama's error in OpenAI's shape; the row bills the calls Ollama answered, not the ones never sent", async () => {
  const c = gw.addClient('ollama-crash-later');
  const inputs = texts(1000, 'crash');
  inputs[700] = CRASH;
  const before = ollama.requests.length;
  const err = await apiError(gw.openai(c.key).withOptions({ maxRetries: 0 }).embeddings.create({ model: MODEL, input: inputs }));
  expect(err.status).toBe(502);
  expect(err.error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
  expect((err.error as { message: string }).message).toContain('llama runner process has terminated');
  const calls = callsSince(before);
  const crashed = calls.findIndex((x) => x.includes(CRASH));
  expect(crashed).toBeGreaterThan(0);
  const answered = calls.slice(0, crashed).flat();
  expect(answered).toEqual(inputs.slice(0, answered.length));
  const row = await gw.waitForRow(err);
  expect(row).toMatchObject({ endpoint: 'embeddings', status: 502, provider: 'ollama' });
  expect(gw.logs.filter((l) => l.requestId === row.requestId)).toHaveLength(1);
  // One try, billed for the calls Ollama answered, as it counted them.
  const attempts = JSON.parse(row.attempts!);
  expect(attempts).toHaveLength(1);
  expect(attempts[0].billed).toMatchObject({ prompt_tokens: sum(answered.map(fakeTokens)), completion_tokens: 0, estimated: false });
}, 60_000);
