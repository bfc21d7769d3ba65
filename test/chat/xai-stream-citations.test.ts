/**
 * xAI sends a search's `citations` (the URLs the answer drew on) on its last stream chunk, the
 * usage-only one (`choices: []`). A client that did not ask for usage had that chunk dropped whole,
 * citations and all. It now gets the chunk without its usage (`choices: []`, the citations), right
 * before [DONE]; a client that asked for usage gets them on the usage chunk, as xAI sent them.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { chatSchemaErrors } from '../responses/openai-schema';

const CITATIONS = ['https://x.ai/news/grok-3', 'https://docs.x.ai/docs/guides/live-search'];

let xai: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  xai = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('grok', `${xai.url}/v1`) });
  // The recorded Grok stream, its usage-only chunk carrying a live search's citations.
  const chunks = readChunks('grok', 'text.chunks.txt');
  const last = JSON.parse(chunks.at(-2)!);
  last.citations = CITATIONS;
  last.usage.num_sources_used = 2;
  const lines = [...chunks.slice(0, -2), JSON.stringify(last), '[DONE]'];
  xai.handler = () => sseResponse(lines);
});
afterAll(async () => {
  await gw.close();
  xai.close();
});

async function events(includeUsage: boolean): Promise<any[]> {
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'grok/grok-3-mini', stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'Hello' }] }),
  });
  expect(res.status).toBe(200);
  const payloads = (await res.text()).split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
  expect(payloads.at(-1)).toBe('[DONE]');
  const out = payloads.slice(0, -1).map((e) => JSON.parse(e));
  for (const c of out) expect(chatSchemaErrors('CreateChatCompletionStreamResponse', c)).toEqual([]);
  return out;
}

test('without include_usage: the citations arrive on a last chunk without usage', async () => {
  const out = await events(false);
  expect(out.filter((c) => c.usage)).toEqual([]);
  const last = out.at(-1);
  expect(last).toMatchObject({ id: out[0].id, object: 'chat.completion.chunk', choices: [], citations: CITATIONS });
  expect(out.at(-2).choices[0].finish_reason).toBe('stop');
});

test('with include_usage: the citations stay on the usage chunk', async () => {
  const out = await events(true);
  const last = out.at(-1);
  expect(last.choices).toEqual([]);
  expect(last.citations).toEqual(CITATIONS);
  expect(last.usage).toMatchObject({ prompt_tokens: 32, completion_tokens: 103 });
  expect(out.filter((c) => c.citations)).toHaveLength(1);
});

test('the openai SDK streams it to the end, the citations chunk included', async () => {
  const stream = await gw.openai().chat.completions.create({ model: 'grok/grok-3-mini', stream: true, messages: [{ role: 'user', content: 'Hello' }] });
  let text = '';
  let citations: unknown;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if ((chunk as any).citations) citations = (chunk as any).citations;
  }
  expect(text).toBe('Hello! How can I help?');
  expect(citations).toEqual(CITATIONS);
});
