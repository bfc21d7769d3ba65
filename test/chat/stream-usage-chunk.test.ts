/**
 * Upstreams that put stream usage on a chunk that also carries choices (Moonshot inside
 * `choices[0].usage` of its last chunk, DeepSeek at the top of it): the client that asked for
 * usage gets OpenAI's usage-only chunk (`choices: []`) right before `[DONE]`, as OpenAI sends it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readChunks, replay, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { chatSchemaErrors } from '../responses/openai-schema';

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('moonshot', `${fake.url}/v1`), ...providerEnv('deepseek', `${fake.url}/v1`), ...providerEnv('grok', `${fake.url}/v1`) } });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

async function payloads(model: string, includeUsage: boolean): Promise<string[]> {
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model, stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'Hello' }] }),
  });
  expect(res.status).toBe(200);
  return (await res.text()).split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
}

for (const [provider, model, usage] of [
  ['moonshot', 'moonshot/kimi-k2-0905-preview', { prompt_tokens: 19, completion_tokens: 13, total_tokens: 32, prompt_tokens_details: { cached_tokens: 8 } }],
  ['deepseek', 'deepseek/deepseek-reasoner', { prompt_tokens: 24, completion_tokens: 58, total_tokens: 82, prompt_tokens_details: { cached_tokens: 16 } }],
] as const) {
  test(`${provider} with include_usage: a usage-only chunk right before [DONE], the finish chunk without usage`, async () => {
    fake.handler = replay(provider, 'text.chunks.txt');
    const events = await payloads(model, true);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    for (const c of chunks) expect(chatSchemaErrors('CreateChatCompletionStreamResponse', c)).toEqual([]);
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject(usage);
    expect(last.id).toBe(chunks[0].id);
    expect(chunks.filter((c) => c.usage)).toHaveLength(1);
    const finish = chunks.at(-2);
    expect(finish.choices[0].finish_reason).toBe('stop');
    expect(finish.choices[0].usage).toBeUndefined();
  });

  test(`${provider} without include_usage: no usage anywhere`, async () => {
    fake.handler = replay(provider, 'text.chunks.txt');
    const events = await payloads(model, false);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.filter((c) => c.usage || c.choices.length === 0 || c.choices[0].usage)).toEqual([]);
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
  });
}

test('the official SDK reads the usage of a Moonshot stream from the usage-only chunk', async () => {
  fake.handler = replay('moonshot', 'text.chunks.txt');
  const stream = gw.openai().chat.completions.stream({
    model: 'moonshot/kimi-k2-0905-preview', stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hello' }],
  });
  const done = await stream.finalChatCompletion();
  expect(done.choices[0]!.message.content).toBe('Hello! How can I help?');
  expect(done.usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 13, total_tokens: 32 });
});

test('an upstream that repeats usage (running totals on several chunks, then a usage-only chunk, as xAI has sent it): one usage chunk, the last totals, right before [DONE]; the row bills those', async () => {
  // The recorded Grok stream, with the running usage on every chunk that has choices too.
  const chunks = readChunks('grok', 'text.chunks.txt');
  const final = JSON.parse(chunks.at(-2)!).usage;
  const repeated = chunks.slice(0, -2).map((line, i) => {
    const c = JSON.parse(line);
    c.usage = { ...final, completion_tokens: i + 1, total_tokens: final.prompt_tokens + i + 1 + final.completion_tokens_details.reasoning_tokens };
    return JSON.stringify(c);
  });
  fake.handler = () => sseResponse([...repeated, ...chunks.slice(-2)]);
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'grok/grok-3-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hello' }] }),
  });
  const events = (await res.text()).split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
  expect(events.at(-1)).toBe('[DONE]');
  const out = events.slice(0, -1).map((e) => JSON.parse(e));
  for (const c of out) expect(chatSchemaErrors('CreateChatCompletionStreamResponse', c)).toEqual([]);
  const withUsage = out.filter((c) => c.usage);
  expect(withUsage).toHaveLength(1);
  expect(out.at(-1)).toBe(withUsage[0]);
  expect(out.at(-1).choices).toEqual([]);
  // xAI leaves reasoning out of completion_tokens; the client gets OpenAI's convention.
  expect(out.at(-1).usage).toMatchObject({ prompt_tokens: 32, completion_tokens: 9 + 94, completion_tokens_details: { reasoning_tokens: 94 } });
  expect(await gw.waitForRow(res)).toMatchObject({ promptTokens: 32, completionTokens: 103, reasoningTokens: 94, cachedTokens: 6 });
});
