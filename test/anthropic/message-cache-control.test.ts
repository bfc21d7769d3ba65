/**
 * `cache_control` on a whole OpenAI chat message (`{role, content, cache_control}`, OpenRouter's
 * convention for Anthropic models, sent by OpenAI-SDK clients as an extra field) reaches Anthropic
 * on the message's last block, so the prompt is cached and the row bills the cache write. The fake
 * Anthropic caches only when a block carries a breakpoint, as Anthropic does. The official OpenAI
 * client over real HTTP; rows by x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicJson } from './fake-anthropic';

let fake: FakeUpstream;
let gw: TestGateway;

/** Anthropic as it bills: a prompt with a cache breakpoint (or automatic caching: a top-level one) writes the cache (cache-write.json), one without does not (text.json). */
const hasBreakpoint = (body: any) =>
  !!body.cache_control || JSON.stringify([body.system ?? [], body.messages ?? [], body.tools ?? []]).includes('"cache_control"');
const cachingAnthropic = (_req: Request, r: RecordedRequest) => Response.json(anthropicJson(hasBreakpoint(r.body) ? 'cache-write.json' : 'text.json'));

beforeAll(async () => {
  fake = startFakeUpstream(cachingAnthropic);
  gw = await startGateway({ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-test-key-0123456789abcdefghij', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url } });
}, 30_000);
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const MODEL = 'anthropic/claude-sonnet-4-5';
const ephemeral = { type: 'ephemeral' } as const;
const CONTRACT = 'The contract: '.padEnd(400, 'clause. ');
/** OpenAI's types have no message-level cache_control: clients send it as an extra field. */
const cached = <T extends object>(m: T, cc: object = ephemeral) => ({ ...m, cache_control: cc }) as T;

test('a system and a user message marked as a whole: the breakpoint on each one\'s last block; the row bills the cache write', async () => {
  const { data, response } = await gw
    .openai()
    .chat.completions.create({
      model: MODEL,
      messages: [
        cached({ role: 'system' as const, content: CONTRACT }),
        cached({ role: 'user' as const, content: [{ type: 'text' as const, text: 'Read this.' }, { type: 'text' as const, text: 'How long is the term?' }] }, { type: 'ephemeral', ttl: '1h' }),
      ],
    })
    .withResponse();
  const sent = fake.last().body;
  expect(sent.system).toEqual([{ type: 'text', text: CONTRACT, cache_control: ephemeral }]);
  expect(sent.messages).toEqual([
    { role: 'user', content: [{ type: 'text', text: 'Read this.' }, { type: 'text', text: 'How long is the term?', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
  ]);
  expect(data.choices[0]!.message.content).toBe("The contract's term is 24 months.");
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'anthropic', cacheWriteTokens: 2048, promptTokens: 12 + 2048 });
});

test('assistant (its tool call) and tool messages: on the tool_use and the tool_result; a part\'s own marker is kept', async () => {
  const call = { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
  const messages = [
    { role: 'system', content: [{ type: 'text', text: CONTRACT, cache_control: { type: 'ephemeral', ttl: '1h' } }], cache_control: ephemeral },
    { role: 'user', content: 'Weather in Paris?' },
    cached({ role: 'assistant', content: 'Looking it up.', tool_calls: [call] }),
    cached({ role: 'tool', tool_call_id: call.id, content: 'sunny' }),
  ] as OpenAI.ChatCompletionMessageParam[];
  const { response } = await gw
    .openai()
    .chat.completions.create({ model: MODEL, messages, tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] })
    .withResponse();
  const sent = fake.last().body;
  expect(sent.system).toEqual([{ type: 'text', text: CONTRACT, cache_control: { type: 'ephemeral', ttl: '1h' } }]);
  expect(sent.messages[1]).toEqual({
    role: 'assistant',
    content: [{ type: 'text', text: 'Looking it up.' }, { type: 'tool_use', id: call.id, name: 'get_weather', input: { city: 'Paris' }, cache_control: ephemeral }],
  });
  expect(sent.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: [{ type: 'text', text: 'sunny' }], cache_control: ephemeral }] });
  expect((await gw.waitForRow(response)).cacheWriteTokens).toBe(2048);
});

test('no marker: nothing is cached (the control)', async () => {
  const { response } = await gw.openai().chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: CONTRACT }, { role: 'user', content: 'How long is the term?' }] }).withResponse();
  expect(hasBreakpoint(fake.last().body)).toBe(false);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, cacheWriteTokens: 0 });
});

test('a top-level cache_control (Anthropic\'s automatic caching) reaches Anthropic at the top level, the blocks untouched; the row bills the write', async () => {
  const { data, response } = await gw
    .openai()
    .chat.completions.create(cached({ model: MODEL, messages: [{ role: 'system' as const, content: CONTRACT }, { role: 'user' as const, content: 'How long is the term?' }] }, { type: 'ephemeral', ttl: '1h' }))
    .withResponse();
  const sent = fake.last().body;
  expect(sent.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
  expect(sent.system).toEqual([{ type: 'text', text: CONTRACT }]);
  expect(data.usage).toMatchObject({ prompt_tokens: 12 + 2048, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 2048 } });
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, cacheWriteTokens: 2048 });
});
