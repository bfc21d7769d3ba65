/**
 * Ollama models that write their reasoning inline, `<think>…</think>` at the start of the content
 * (pulls from before Ollama's `think` support, GGUFs without a thinking template: Ollama's OpenAI
 * endpoint then sends it on as `content`, not as `reasoning`). Clients get it apart, as they get
 * what Ollama parses itself: chat's `reasoning_content`, /v1/messages thinking blocks, /v1/responses
 * reasoning items, in JSON and in streams, with the tag split anywhere across chunks and a tag never
 * closed; `<think>` anywhere but the start is the answer's text. The fake Ollama writes its OpenAI
 * endpoint's chunks (a deepseek-r1 GGUF without a thinking template). Rows by x-request-id.
 */
import { afterAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const ollama = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => (gw = g), { env: providerEnv('ollama', `${ollama.url}/v1`) });
afterAll(() => ollama.close());

const MODEL = 'deepseek-r1:7b';
const hi = [{ role: 'user' as const, content: 'Hello' }];
const usage = { prompt_tokens: 9, completion_tokens: 20, total_tokens: 29 };
const answer = (content: string, finish = 'stop') =>
  jsonResponse({ id: 'chatcmpl-21', object: 'chat.completion', created: 1757926000, model: MODEL, system_fingerprint: 'fp_ollama', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish }], usage });
const chunk = (content: string, finish: string | null = null) =>
  JSON.stringify({ id: 'chatcmpl-22', object: 'chat.completion.chunk', created: 1757926000, model: MODEL, system_fingerprint: 'fp_ollama', choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: finish }] });
/** Ollama's stream of `pieces` as content deltas, its closing chunk, usage and [DONE]. */
const stream = (pieces: string[], finish = 'stop') => () =>
  sseResponse([...pieces.map((p) => chunk(p)), chunk('', finish), JSON.stringify({ id: 'chatcmpl-22', object: 'chat.completion.chunk', created: 1757926000, model: MODEL, choices: [], usage }), '[DONE]']);

const INLINE = '<think>\nThe user greets me. I greet back.\n</think>\n\nHello! How can I help?';
/** The same answer cut at awkward places: inside both tags, inside the blank space around them. */
const SPLIT = ['<th', 'ink', '>\nThe user greets', ' me. I greet back.\n', '</thi', 'nk>', '\n', '\nHello! How', ' can I help?'];
const REASONING = 'The user greets me. I greet back.';
const TEXT = 'Hello! How can I help?';

async function chatStream(model = `ollama/${MODEL}`) {
  const { data, response } = await gw.openai().chat.completions.create({ model, messages: hi, stream: true }).withResponse();
  let reasoning = '';
  let content = '';
  let finish: string | null = null;
  for await (const c of data) {
    const d = c.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined;
    reasoning += d?.reasoning_content ?? '';
    content += d?.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  return { reasoning, content, finish, response };
}

test('chat JSON: the inline reasoning is reasoning_content, the content the answer after the tag', async () => {
  ollama.handler = () => answer(INLINE);
  const { data, response } = await gw.openai().chat.completions.create({ model: `ollama/${MODEL}`, messages: hi }).withResponse();
  expect(data.choices[0]!.message.content).toBe(TEXT);
  expect((data.choices[0]!.message as any).reasoning_content).toBe(REASONING);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'ollama', promptTokens: 9, completionTokens: 20 });
});

test('chat stream: tags split across chunks still come out apart, nothing lost', async () => {
  ollama.handler = stream(SPLIT);
  const { reasoning, content, finish, response } = await chatStream();
  expect({ reasoning, content, finish }).toEqual({ reasoning: REASONING, content: TEXT, finish: 'stop' });
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'ollama', stream: true });
});

test('a tag never closed (the answer cut at max_tokens): all reasoning, no content; JSON and stream', async () => {
  ollama.handler = () => answer('<think>\nLet me count the letters one by one', 'length');
  const json = await gw.openai().chat.completions.create({ model: `ollama/${MODEL}`, messages: hi });
  expect(json.choices[0]!.message.content).toBe('');
  expect((json.choices[0]!.message as any).reasoning_content).toBe('Let me count the letters one by one');

  ollama.handler = stream(['<think>', '\nLet me count', ' the letters one by one\n</th'], 'length');
  const s = await chatStream();
  expect({ reasoning: s.reasoning, content: s.content, finish: s.finish }).toEqual({ reasoning: 'Let me count the letters one by one\n</th', content: '', finish: 'length' });
  expect(await gw.waitForRow(s.response)).toMatchObject({ status: 200, provider: 'ollama' });
});

test('<think> not at the start is the answer: left alone, JSON and stream; a lone "<" at the start too', async () => {
  const text = 'Wrap it as <think>…</think> in the prompt.';
  ollama.handler = () => answer(text);
  const json = await gw.openai().chat.completions.create({ model: `ollama/${MODEL}`, messages: hi });
  expect(json.choices[0]!.message.content).toBe(text);
  expect((json.choices[0]!.message as any).reasoning_content).toBeUndefined();

  ollama.handler = stream(['Wrap it as <th', 'ink>…</think>', ' in the prompt.']);
  expect(await chatStream()).toMatchObject({ reasoning: '', content: text });
  ollama.handler = stream(['<', '3 you', ' too']);
  expect(await chatStream()).toMatchObject({ reasoning: '', content: '<3 you too' });
  ollama.handler = stream(['\n', '<thi']);
  expect(await chatStream()).toMatchObject({ reasoning: '', content: '\n<thi' });
});

test('/v1/messages: a thinking block then the text, JSON and stream', async () => {
  const anthropic = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
  ollama.handler = () => answer(INLINE);
  const { data, response } = await anthropic.messages.create({ model: `ollama/${MODEL}`, max_tokens: 1024, messages: hi }).withResponse();
  expect(data.content.map((b) => b.type)).toEqual(['thinking', 'text']);
  expect(data.content[0]).toMatchObject({ type: 'thinking', thinking: REASONING });
  expect(data.content[1]).toMatchObject({ type: 'text', text: TEXT });
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, endpoint: 'messages', provider: 'ollama' });

  ollama.handler = stream(SPLIT);
  const final = await anthropic.messages.stream({ model: `ollama/${MODEL}`, max_tokens: 1024, messages: hi }).finalMessage();
  expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
  expect(final.content[0]).toMatchObject({ thinking: REASONING });
  expect(final.content[1]).toMatchObject({ text: TEXT });
});

test('/v1/responses: a reasoning item then the message, JSON and stream', async () => {
  ollama.handler = () => answer(INLINE);
  const { data, response } = await gw.openai().responses.create({ model: `ollama/${MODEL}`, input: 'Hello' }).withResponse();
  expect(data.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
  expect((data.output[0] as any).content).toEqual([{ type: 'reasoning_text', text: REASONING }]);
  expect(data.output_text).toBe(TEXT);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, endpoint: 'responses', provider: 'ollama' });

  ollama.handler = stream(SPLIT);
  const events = await gw.openai().responses.create({ model: `ollama/${MODEL}`, input: 'Hello', stream: true });
  let reasoning = '';
  let done: any = null;
  for await (const e of events) {
    if (e.type === 'response.reasoning_text.delta') reasoning += e.delta;
    if (e.type === 'response.completed') done = e.response;
  }
  expect(reasoning).toBe(REASONING);
  expect(done.output.map((o: any) => o.type)).toEqual(['reasoning', 'message']);
  expect(done.output[1].content[0]).toMatchObject({ type: 'output_text', text: TEXT });
});
