/**
 * /v1/messages to groups mixing the `anthropic` provider and OpenAI: fallback either way
 * (translated or native), errors in Anthropic's shape after a translated fallback, thinking
 * blocks across providers, requests only Anthropic can take.
 */
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, readChunks, sseResponse, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicJson, json, queue, sse, strictAboutThinking } from '../anthropic/fake-anthropic';
import { parseSse, weatherTool } from './messages-helpers';
import { foldSse, idOf, plain, useAnthropicRig } from './anthropic-rig';

let fake: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
let pair: (name: string) => () => void;
useAnthropicRig((r) => ({ fake, openai, gw, client, pair } = r));

describe('groups mixing anthropic and another provider', () => {
  const req = (model: string) => ({ model, max_tokens: 50, messages: [{ role: 'user' as const, content: 'Hello' }] });

  test('anthropic first, overloaded: falls back to OpenAI, translated (JSON and stream); one row with both tries', async () => {
    fake.handler = json('error-529.json', 529);
    const { data, response } = await client.messages.create(req('claude-then-gpt')).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('openai');
    expect(data.content).toEqual([{ type: 'text', text: 'Hello! How can I help you today?', citations: null } as any]);
    const row = await gw.waitForRow(idOf(response));
    expect(row.provider).toBe('openai');
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['anthropic', 502], ['openai', 200]]);
    expect(openai.last().body.messages).toEqual([{ role: 'user', content: 'Hello' }]);

    const streamed = await client.messages.stream(req('claude-then-gpt')).finalMessage();
    expect(plain({ ...streamed, id: 'x' })).toEqual(plain({ ...data, id: 'x' }));
  });

  test('anthropic first, a 200 stream whose first event is error overloaded: nothing went out, so the group falls back; named directly it is an HTTP 529', async () => {
    const overloadedAtOnce = () =>
      new Response('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n', { headers: { 'content-type': 'text/event-stream' } });
    fake.handler = overloadedAtOnce;
    const stream = client.messages.stream(req('claude-then-gpt'));
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Hello! How can I help you today?', citations: null } as any]);
    const { response } = await stream.withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('openai');
    const row = await gw.waitForRow(idOf(response));
    expect(row).toMatchObject({ status: 200, provider: 'openai' });
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['anthropic', 502], ['openai', 200]]);

    gw.ctx.breakers.reset();
    fake.handler = overloadedAtOnce;
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req('claude-sonnet-4-5'), stream: true }),
    });
    expect(res.status).toBe(529);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect((await gw.waitForRow(idOf(res))).status).toBe(529);
  });

  test('a translated fallback cut midway ends with Anthropic\'s event: error (not an OpenAI error chunk)', async () => {
    fake.handler = json('error-529.json', 529);
    const before = openai.handler;
    // The cut waits until the answer's headers are out (the gateway had the first chunk): a cut in
    // the same network read as the first chunks would be a plain HTTP error instead.
    const opened = Promise.withResolvers<void>();
    openai.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'), { cutAfter: 3, holdAt: { at: 3, until: opened.promise } });
    try {
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req('claude-then-gpt'), stream: true }),
      });
      opened.resolve();
      const text = await res.text();
      expect({ status: res.status, text: text.slice(0, 300) }).toMatchObject({ status: 200 });
      expect(res.headers.get('x-gophergate-provider')).toBe('openai');
      const events = parseSse(text);
      expect(events[0].type).toBe('message_start');
      expect(events.at(-1).type).toBe('error');
      expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
      const row = await gw.waitForRow(idOf(res));
      expect(row.provider).toBe('openai');
      expect(row.status).toBeGreaterThanOrEqual(500);
    } finally {
      openai.handler = before;
    }
  });

  test('anthropic first and answering: native (Anthropic bytes); OpenAI first failing: anthropic native after it', async () => {
    fake.handler = queue(json('text.json'));
    // Anthropic's answer, named as the client named the model (the group), as a translated one is.
    expect((await client.messages.create(req('claude-then-gpt'))) as any).toEqual({ ...anthropicJson('text.json'), model: 'claude-then-gpt' });

    const before = openai.handler;
    openai.handler = () => Response.json({ error: { message: 'down', type: 'server_error' } }, { status: 503 });
    try {
      pair('text')();
      const final = await client.messages.stream(req('gpt-then-claude')).finalMessage();
      expect(plain(final)).toEqual({ ...foldSse('text.sse'), model: 'gpt-then-claude' });
      expect(fake.last().body).toEqual({ ...req('claude-sonnet-4-5'), stream: true });
    } finally {
      openai.handler = before;
    }
  });

  test('a turn translated from OpenAI (unsigned thinking), then the group picks Anthropic: only the unsigned block is left out, and thinking is turned off because the tool turn lost it; signed ones and the rest go as sent (messages and count_tokens)', async () => {
    const before = openai.handler;
    openai.handler = () =>
      jsonResponse({
        id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
        choices: [{ index: 0, finish_reason: 'tool_calls', message: {
          role: 'assistant', content: null, reasoning_content: 'Oslo next.',
          tool_calls: [{ id: 'call_oslo', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
        } }],
        usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 },
      });
    try {
      const signed = anthropicJson('thinking-tool.json');
      const history: Anthropic.MessageParam[] = [
        { role: 'user', content: 'Weather in Paris, then Oslo?' },
        { role: 'assistant', content: signed.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: signed.content[2].id, content: '18°C' }] },
      ];
      const base = { max_tokens: 4096, thinking: { type: 'enabled' as const, budget_tokens: 2048 }, tools: [weatherTool] };
      const translated = await client.messages.create({ ...base, model: 'openai/gpt-4o-mini', messages: history });
      expect(translated.content).toEqual([
        { type: 'thinking', thinking: 'Oslo next.', signature: '' },
        { type: 'tool_use', id: 'call_oslo', name: 'get_weather', input: { city: 'Oslo' } , caller: { type: 'direct' } },
      ] as any);

      const next = {
        // With tools the group's heuristic picks its strongest target, Claude.
        ...base, model: 'gpt-then-claude',
        messages: [...history, { role: 'assistant' as const, content: translated.content }, { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'call_oslo', content: '9°C' }] }],
      };
      // The fake refuses as Anthropic does: an unsigned thinking block, or (thinking on) a last tool turn without its thinking.
      fake.handler = strictAboutThinking(json('after-tool.json'));
      const { data, response } = await client.messages.create(next as any).withResponse();
      expect(data as any).toEqual({ ...anthropicJson('after-tool.json'), model: 'gpt-then-claude' });
      const { thinking: _t, ...withoutThinking } = next;
      const expected = JSON.parse(JSON.stringify({ ...withoutThinking, model: 'claude-sonnet-4-5' }));
      expected.messages[3].content = [translated.content[1]];
      expect(fake.last().body).toEqual(expected);
      // The Anthropic-signed turn went exactly as it came.
      expect(fake.last().body.messages[1]).toEqual(JSON.parse(JSON.stringify(history[1])));
      const row = await gw.waitForRow(idOf(response));
      expect(row).toMatchObject({ endpoint: 'messages', provider: 'anthropic', status: 200 });

      fake.handler = strictAboutThinking(() => Response.json({ input_tokens: 321 }));
      const { model: _m, max_tokens: _x, ...countBody } = next;
      expect((await client.messages.countTokens({ ...countBody, model: 'claude-sonnet-4-5' } as any)).input_tokens).toBe(321);
      expect(fake.last().path).toBe('/v1/messages/count_tokens');
      expect(fake.last().body.messages[3].content).toEqual([translated.content[1]]);
      expect(fake.last().body.thinking).toBeUndefined();

      // The loop goes on on Anthropic: its last tool turn is signed, so thinking stays on; only the
      // unsigned block of the translated turn is left out.
      const third = {
        ...next, model: 'claude-sonnet-4-5',
        messages: [
          ...next.messages,
          { role: 'assistant' as const, content: signed.content.map((b: any) => (b.type === 'tool_use' ? { ...b, id: 'toolu_third' } : b)) },
          { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'toolu_third', content: '20°C' }] },
        ],
      };
      fake.handler = strictAboutThinking(json('after-tool.json'));
      const { response: thirdResponse } = await client.messages.create(third as any).withResponse();
      const thirdExpected = JSON.parse(JSON.stringify(third));
      thirdExpected.messages[3].content = [translated.content[1]];
      expect(fake.last().body).toEqual(thirdExpected);
      expect(await gw.waitForRow(idOf(thirdResponse))).toMatchObject({ provider: 'anthropic', status: 200 });
    } finally {
      openai.handler = before;
    }
  });

  test('a request only Anthropic can take (a server tool) goes to the group\'s anthropic targets alone', async () => {
    fake.handler = queue(json('text.json'));
    const body = { ...req('claude-then-gpt'), tools: [{ type: 'web_search_20250305', name: 'web_search' }] };
    const res = await client.messages.create(body as any);
    expect(res as any).toEqual({ ...anthropicJson('text.json'), model: 'claude-then-gpt' });
    expect(fake.last().body.tools).toEqual(body.tools);
  });
});
