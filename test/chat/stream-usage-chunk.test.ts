/**
 * Upstreams that put stream usage on a chunk that also carries choices (Moonshot inside
 * `choices[0].usage` of its last chunk, DeepSeek at the top of it): the client that asked for
 * usage gets OpenAI's usage-only chunk (`choices: []`) right before `[DONE]`, as OpenAI sends it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { replay, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { chatSchemaErrors } from '../responses/openai-schema';

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ...providerEnv('moonshot', `${fake.url}/v1`), ...providerEnv('deepseek', `${fake.url}/v1`) } });
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
