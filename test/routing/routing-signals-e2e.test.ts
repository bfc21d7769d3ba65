/**
 * The heuristic's documented signals, read through every endpoint a group can be named on: the
 * official openai client (chat, Responses) and the Anthropic client (Messages) against the
 * gateway, each provider a fake upstream on loopback. One prompt must route alike whichever
 * endpoint it came through; an agent loop's turn keeps the user's task (a tool result is not one).
 */
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { jsonResponse, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { answer, completion, useRoutingFakes, type P } from './routing-fakes';

setDefaultTimeout(30_000);

let fakes: Record<P, FakeUpstream>;
let gw: TestGateway;
useRoutingFakes((rig) => void ({ fakes, gw } = rig));

const anthropic = () => new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
const tool = { type: 'function' as const, function: { name: 'read_file', parameters: { type: 'object', properties: {} } } };

// heavy-logic: grok-4.3, kimi-k2.6, deepseek-v4-pro; each point of the default rules moves one target on.
describe('default heuristic rules on chat (heavy-logic)', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['no rule fires: the first target', { messages: [{ role: 'user', content: 'hello there' }] }, 'grok-4.3'],
    ['"debug*" prefix (weight 1)', { messages: [{ role: 'user', content: 'I am debugging a crash' }] }, 'kimi-k2.6'],
    ['"step by step" over any whitespace (weight 2)', { messages: [{ role: 'user', content: 'go step\n by   step' }] }, 'deepseek-v4-pro'],
    ['a code block (weight 1)', { messages: [{ role: 'user', content: 'what does this do?\n```js\nx()\n```' }] }, 'kimi-k2.6'],
    ['4000 characters over every message (weight 1)', { messages: [{ role: 'system', content: 'a '.repeat(1500) }, { role: 'user', content: 'b '.repeat(500) }] }, 'kimi-k2.6'],
    ['tools present (weight 1)', { messages: [{ role: 'user', content: 'hi' }], tools: [tool] }, 'kimi-k2.6'],
    ['20 messages (weight 1)', { messages: Array.from({ length: 20 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'hi' })) }, 'kimi-k2.6'],
    ['a keyword in a text part beside an image', { messages: [{ role: 'user', content: [{ type: 'text', text: 'Prove it' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }] }, 'kimi-k2.6'],
    ['points add up: "debug" and a code block', { messages: [{ role: 'user', content: 'debug ```x()```' }] }, 'deepseek-v4-pro'],
    ['the task is the last user message, not a tool result', {
      tools: [tool],
      messages: [
        { role: 'user', content: 'Prove the scheduler has no race condition' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'file contents' },
      ],
    }, 'deepseek-v4-pro'],
  ];
  for (const [name, body, model] of cases)
    test(name, async () => {
      const { data, response } = await gw.openai().chat.completions.create({ model: 'heavy-logic', ...body } as any).withResponse();
      // DeepSeek reads no images: a group passes such a request on (the image case lands on kimi).
      expect(response.headers.get('x-gophergate-route')).toBe(`heavy-logic>${model}`);
      expect(data.model).toBe(model);
      const row = await gw.waitForRow(response);
      expect(row).toMatchObject({ modelRequested: 'heavy-logic', model, route: `heavy-logic>${model}`, status: 200 });
    });
});

describe('the same signals through /v1/responses and /v1/messages', () => {
  test('Responses: input and instructions count as chat messages do', async () => {
    const { response } = await gw.openai().responses.create({ model: 'heavy-logic', input: 'Prove it' }).withResponse();
    expect(response.headers.get('x-gophergate-route')).toBe('heavy-logic>deepseek-v4-pro');
    const long = await gw.openai().responses.create({ model: 'heavy-logic', instructions: 'x'.repeat(4000), input: 'hi' }).withResponse();
    expect(long.response.headers.get('x-gophergate-route')).toBe('heavy-logic>kimi-k2.6');
  });

  test("Messages: a long top-level system prompt counts toward the prompt's length", async () => {
    const { response } = await anthropic()
      .messages.create({ model: 'heavy-logic', max_tokens: 16, system: 'x'.repeat(4000), messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('x-gophergate-route')).toBe('heavy-logic>kimi-k2.6');
    const blocks = await anthropic()
      .messages.create({ model: 'heavy-logic', max_tokens: 16, system: [{ type: 'text', text: 'x'.repeat(4000) }], messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(blocks.response.headers.get('x-gophergate-route')).toBe('heavy-logic>kimi-k2.6');
  });

  test("Messages: in an agent loop the task stays the user's words, not the tool result", async () => {
    const { response } = await anthropic()
      .messages.create({
        model: 'heavy-logic',
        max_tokens: 16,
        tools: [{ name: 'read_file', input_schema: { type: 'object', properties: {} } }],
        messages: [
          { role: 'user', content: 'Prove the scheduler has no race condition' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'file contents' }] },
        ],
      })
      .withResponse();
    // As on chat: "prove" and "race condition" (2) + tools (1) = the strongest target.
    expect(response.headers.get('x-gophergate-route')).toBe('heavy-logic>deepseek-v4-pro');
  });

  test("Messages: the classifier is shown the user's task in an agent loop, not an empty one", async () => {
    fakes.openai.handler = (req, rec, f) => (rec.body.model === 'gpt-5.4-nano' ? jsonResponse(completion('gpt-5.4-nano', '2')) : answer(req, rec, f));
    const loop = (task: string) =>
      anthropic()
        .messages.create({
          model: 'dispatcher',
          max_tokens: 16,
          messages: [
            { role: 'user', content: task },
            { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: {} }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a long file' }] },
          ],
          tools: [{ name: 'read_file', input_schema: { type: 'object', properties: {} } }],
        })
        .withResponse();
    await loop('Summarise the README (loop task A)');
    await loop('Translate the changelog (loop task B)');
    // (fast-flow then serves the loop on gpt-5.4-nano too: the classifier's calls are those with its prompt.)
    const asked = fakes.openai.requests.filter((r) => String(r.body.messages[0].content).includes('scale from 1 to 10')).map((r) => r.body.messages[1].content as string);
    // Two different tasks: two classifier calls (an empty task would share one cached score), each naming its task.
    expect(asked).toHaveLength(2);
    expect(asked[0]).toContain('loop task A');
    expect(asked[1]).toContain('loop task B');
  });
});

describe('why a group chose: x-gophergate-route-reason', () => {
  const classifier = (h: FakeHandler) => {
    fakes.openai.handler = (req, rec, f) => (rec.body.model === 'gpt-5.4-nano' ? h(req, rec, f) : answer(req, rec, f));
  };

  test("the classifier's score, and the heuristic of the group it chose", async () => {
    classifier(() => jsonResponse(completion('gpt-5.4-nano', '9')));
    const { response } = await gw.openai().chat.completions.create({ model: 'dispatcher', messages: [{ role: 'user', content: 'Please debug this (reason #1)' }] }).withResponse();
    expect(response.headers.get('x-gophergate-route')).toBe('dispatcher>heavy-logic>kimi-k2.6');
    expect(response.headers.get('x-gophergate-route-reason')).toBe(
      'dispatcher: classifier score 9 on 1-10 -> heavy-logic; heavy-logic: heuristic: coding task = 1 pt -> kimi-k2.6',
    );
  });

  test('a classifier that failed: the heuristic decided, and the answer says so; its own row beside the request row', async () => {
    classifier(() => jsonResponse({ error: { message: 'boom', type: 'server_error', param: null, code: null } }, 500));
    const { response } = await gw.openai().chat.completions.create({ model: 'dispatcher', messages: [{ role: 'user', content: 'Prove it (reason #2)' }] }).withResponse();
    expect(response.headers.get('x-gophergate-route')).toBe('dispatcher>heavy-logic>deepseek-v4-pro');
    const reason = response.headers.get('x-gophergate-route-reason')!;
    expect(reason).toStartWith('dispatcher: classifier failed (');
    expect(reason).toContain('boom), heuristic: hard reasoning = 2 pt -> heavy-logic;');
    expect(reason).toEndWith('heavy-logic: heuristic: hard reasoning = 2 pt -> deepseek-v4-pro');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'chat', status: 200, route: 'dispatcher>heavy-logic>deepseek-v4-pro' });
    const [cls] = await gw.waitForChildRows(response, 1);
    expect(cls).toMatchObject({ endpoint: 'classifier', model: 'gpt-5.4-nano', status: 502, errorType: 'upstream_error' });
  });

  test('a classifier answering in Chinese: the reason keeps to 512 characters as sent, cut on a whole character', async () => {
    // Each glyph is 9 characters percent-encoded: 60 of them were a 700-character header.
    classifier(() => jsonResponse(completion('gpt-5.4-nano', '我不知道这个任务有多难，'.repeat(5))));
    const { response } = await gw.openai().chat.completions.create({ model: 'dispatcher', messages: [{ role: 'user', content: '请证明 (reason #4)' }] }).withResponse();
    const reason = response.headers.get('x-gophergate-route-reason')!;
    expect(reason.length).toBeLessThanOrEqual(512);
    expect(reason).toEndWith('...');
    expect(decodeURIComponent(reason)).toStartWith('dispatcher: classifier failed (unparseable answer "我不知道这个任务有多难，我不知道');
  });

  test('on /v1/messages too; a model named directly has no reason', async () => {
    const { response } = await anthropic()
      .messages.create({ model: 'heavy-logic', max_tokens: 16, messages: [{ role: 'user', content: 'hello (reason #3)' }] })
      .withResponse();
    expect(response.headers.get('x-gophergate-route-reason')).toBe('heavy-logic: heuristic: no rule matched -> grok-4.3');
    const direct = await gw.openai().chat.completions.create({ model: 'grok-4.3', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(direct.response.headers.get('x-gophergate-route')).toBe('grok-4.3');
    expect(direct.response.headers.has('x-gophergate-route-reason')).toBe(false);
  });
});

describe('a request with no words of the user to rate', () => {
  test('is not sent to the classifier (an empty task would share one cached score); the heuristic decides and says why', async () => {
    fakes.openai.handler = (req, rec, f) => (rec.body.model === 'gpt-5.4-nano' ? jsonResponse(completion('gpt-5.4-nano', '9')) : answer(req, rec, f));
    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
    const { response } = await gw
      .openai()
      .chat.completions.create({ model: 'dispatcher', messages: [{ role: 'system', content: 'Describe images.' }, { role: 'user', content: [image] }] })
      .withResponse();
    expect(fakes.openai.requests.filter((r) => String(r.body.messages[0].content).includes('scale from 1 to 10'))).toHaveLength(0);
    expect(response.headers.get('x-gophergate-route-reason')).toStartWith('dispatcher: classifier failed (no user text to rate), heuristic: no rule matched -> fast-flow');
    await gw.waitForRow(response);
    expect(gw.logs.filter((l) => l.parentRequestId === response.headers.get('x-request-id'))).toEqual([]);
  });
});
