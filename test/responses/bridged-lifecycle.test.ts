import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type OpenAI from 'openai';
import { okCompletion, readChunks, sseResponse, startFakeUpstream, type FakeHandler } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { schemaErrors } from './openai-schema';

/**
 * A bridged response's life as OpenAI shows one: retrievable while it streams (`in_progress`),
 * then as it ended; a stream the client left ends `cancelled`, never in progress for ever, and is
 * stored with the usage its log row bills (the row is the truth), never `usage: null` beside a
 * billed row: the estimate of the prompt and what was delivered when the upstream reported nothing
 * yet (DeepSeek counts at the end), the upstream's counts when it reported as it went (Gemini).
 */
setDefaultTimeout(20_000);
const CHUNKS = readChunks('deepseek', 'text.chunks.txt');
let answer: FakeHandler = () => sseResponse([...CHUNKS, '[DONE]']);
const deepseek = startFakeUpstream((req, rec, fake) => answer(req, rec, fake));
let gw: TestGateway;
let client: OpenAI;
let other: OpenAI;

useGateway(
  (g) => {
    gw = g;
    client = g.openai();
    other = g.openai(g.addClient('another key').key);
  },
  { env: { ...providerEnv('deepseek', deepseek.url, { LLM_PROXY__PROVIDERS__DEEPSEEK__API_KEY: 'sk-test-deepseek' }), ...providerEnv('gemini', deepseek.url) } },
);
afterAll(() => deepseek.close());

describe('a bridged response while it streams', () => {
  test('retrieve shows it in_progress, a follow-up to it and its cancel are 400s; once ended it is completed', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    answer = () => sseResponse([...CHUNKS, '[DONE]'], { holdAt: { at: 3, until: held } });
    const stream = await client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', stream: true, metadata: { k: 'v' } });
    const it = stream[Symbol.asyncIterator]();
    let id = '';
    for (let e = await it.next(); !e.done; e = await it.next()) {
      if (e.value.type === 'response.created') id = e.value.response.id;
      if (e.value.type === 'response.reasoning_text.delta') break;
    }
    const during = await client.responses.retrieve(id);
    expect(schemaErrors('Response', during)).toEqual([]);
    expect(during).toMatchObject({ id, status: 'in_progress', output: [], metadata: { k: 'v' }, usage: null });
    expect((await apiError(other.responses.retrieve(id))).status).toBe(404);

    const follow = await apiError(client.responses.create({ model: 'deepseek-reasoner', input: 'and?', previous_response_id: id }));
    expect(follow.status).toBe(400);
    expect(follow.param).toBe('previous_response_id');
    expect(follow.message).toContain('still in progress');
    const cancel = await apiError(client.responses.cancel(id));
    expect(cancel.status).toBe(400);
    expect(cancel.message).toContain('synchronous');

    release();
    let completed: any;
    for (let e = await it.next(); !e.done; e = await it.next()) if (e.value.type === 'response.completed') completed = e.value.response;
    const { output_text: _t, _request_id: _r, ...after } = (await client.responses.retrieve(id)) as any;
    expect(after).toEqual(completed);
    expect(after.status).toBe('completed');
  });

  test('a stream the client left ends cancelled (its partial output shown incomplete), and a follow-up continues without it', async () => {
    answer = () => sseResponse([...CHUNKS, '[DONE]'], { hangAfter: 3, onAbort: () => deepseek.noteAbort() });
    const aborts = deepseek.aborts;
    const stream = await client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', stream: true });
    let id = '';
    for await (const e of stream) {
      if (e.type === 'response.created') id = e.response.id;
      if (e.type === 'response.reasoning_text.delta') break; // leaves: the SDK cancels the body
    }
    await deepseek.waitForAbort(aborts + 1);
    let got: any;
    for (let i = 0; i < 200; i++) {
      got = await client.responses.retrieve(id);
      if (got.status !== 'in_progress') break;
      await Bun.sleep(10);
    }
    expect(schemaErrors('Response', got)).toEqual([]);
    expect(got.status).toBe('cancelled');
    expect(got.output).toHaveLength(1);
    expect(got.output[0]).toMatchObject({ type: 'reasoning', status: 'incomplete' });

    answer = () => okCompletion('deepseek-reasoner');
    const next = await client.responses.create({ model: 'deepseek-reasoner', input: 'again', previous_response_id: id });
    expect(next.status).toBe('completed');
    expect(deepseek.last().body.messages.filter((m: any) => m.role !== 'system')).toEqual([
      { role: 'user', content: 'Hello' },
      { role: 'user', content: 'again' },
    ]);
  });

  test('store: false keeps nothing, not even while it streams', async () => {
    answer = () => sseResponse([...CHUNKS, '[DONE]']);
    const stream = await client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', stream: true, store: false });
    let id = '';
    for await (const e of stream) if (e.type === 'response.created') id = e.response.id;
    expect((await apiError(client.responses.retrieve(id))).status).toBe(404);
  });
});

/** Streams, leaves at the first text delta, and returns the stored response once it ended, with the row. */
async function leaveEarly(model: string, chunks: string[]) {
  answer = () => sseResponse(chunks, { hangAfter: 2, onAbort: () => deepseek.noteAbort() });
  const aborts = deepseek.aborts;
  const { data: stream, response } = await client.responses.create({ model, input: 'How many r are in strawberry?', stream: true }).withResponse();
  let id = '';
  for await (const e of stream) {
    if (e.type === 'response.created') id = e.response.id;
    if (e.type === 'response.output_text.delta' || e.type === 'response.reasoning_text.delta') break; // leaves
  }
  await deepseek.waitForAbort(aborts + 1);
  const row = await gw.waitForRow(response);
  let stored: any;
  for (let i = 0; i < 300; i++) {
    stored = await client.responses.retrieve(id);
    if (stored.status !== 'in_progress' && stored.usage) break;
    await Bun.sleep(10);
  }
  return { stored, row };
}

const asRow = (u: any) => ({
  promptTokens: u?.input_tokens, cachedTokens: u?.input_tokens_details?.cached_tokens,
  completionTokens: u?.output_tokens, reasoningTokens: u?.output_tokens_details?.reasoning_tokens,
});

test('a stream the client left, no usage reported yet (DeepSeek): the stored response carries the estimate its row bills', async () => {
  const { stored, row } = await leaveEarly('deepseek/deepseek-reasoner', [...readChunks('deepseek', 'text.chunks.txt'), '[DONE]']);
  expect(stored.status).toBe('cancelled');
  expect(row.promptTokens).toBeGreaterThan(0);
  expect(asRow(stored.usage)).toEqual({ promptTokens: row.promptTokens, cachedTokens: row.cachedTokens, completionTokens: row.completionTokens, reasoningTokens: row.reasoningTokens });
  expect(stored.usage.total_tokens).toBe(row.promptTokens! + row.completionTokens!);
});

test("a stream the client left, usage reported as it went (Gemini): the stored response carries the upstream's counts its row bills", async () => {
  const { stored, row } = await leaveEarly('gemini/gemini-2.5-flash', readChunks('gemini', 'text.chunks.txt'));
  expect(stored.status).toBe('cancelled');
  expect(row.promptTokens).toBe(2107);
  expect(asRow(stored.usage)).toEqual({ promptTokens: row.promptTokens, cachedTokens: row.cachedTokens, completionTokens: row.completionTokens, reasoningTokens: row.reasoningTokens });
});
