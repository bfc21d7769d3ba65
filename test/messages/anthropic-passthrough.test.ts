/**
 * POST /v1/messages and /v1/messages/count_tokens to the `anthropic` provider, passed through
 * natively: body, cache_control, anthropic-version / anthropic-beta untouched, Anthropic's own
 * JSON and event stream relayed; a Claude Code request replayed as recorded. Driven by the
 * official @anthropic-ai/sdk against the fake Anthropic upstream (anthropic-rig.ts).
 */
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureJson, fixtureText, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicJson, json, queue, sse } from '../anthropic/fake-anthropic';
import { expectAnthropicOrder, parseSse, PNG_BASE64, weatherTool } from './messages-helpers';
import { bodyOf, foldSse, idOf, KEY, plain, useAnthropicRig } from './anthropic-rig';

let fake: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
let images: ReturnType<typeof Bun.serve>;
let pair: (name: string) => () => void;
useAnthropicRig((r) => ({ fake, gw, client, images, pair } = r));

describe('native pass-through to anthropic', () => {
  test('non-stream: Anthropic answer verbatim, the body and headers sent untouched, one row', async () => {
    fake.handler = queue(json('text.json'));
    const req = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'What is 2 + 2?' }], temperature: 0.2 };
    const { data, response } = await client.messages.create(req).withResponse();
    expect(data as any).toEqual(anthropicJson('text.json'));
    expect(response.headers.get('x-gophergate-provider')).toBe('anthropic');
    const up = fake.last();
    expect(up.path).toBe('/v1/messages');
    expect(up.body).toEqual(bodyOf(req));
    expect(up.headers['x-api-key']).toBe(KEY);
    // The SDK's own anthropic-version goes on as it sent it.
    expect(up.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const row = await gw.waitForRow(idOf(response));
    expect(row).toMatchObject({ endpoint: 'messages', provider: 'anthropic', status: 200, promptTokens: 21, completionTokens: 12, cacheWriteTokens: 0 });
  });

  test('stream: the exact event sequence relayed; finalMessage() equals the non-stream answer', async () => {
    pair('text')();
    const req = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'Tell a story.' }] };
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream: true }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).toBe(fixtureText('anthropic', 'text.sse'));
    expectAnthropicOrder(parseSse(text));

    const whole = await client.messages.create(req);
    const final = await client.messages.stream(req).finalMessage();
    expect(plain(final)).toEqual(plain(whole));
    expect(whole.content).toEqual([{ type: 'text', text: 'Once upon a time.' } as any]);
    const row = await gw.waitForRow(idOf(res));
    expect(row).toMatchObject({ endpoint: 'messages', stream: true, status: 200, promptTokens: 21, completionTokens: 9 });
  });

  test('thinking with tools over two turns: the signature goes back untouched (stream, then JSON)', async () => {
    pair('thinking-tool')();
    const first = { model: 'claude-sonnet-4-5', max_tokens: 4096, thinking: { type: 'enabled' as const, budget_tokens: 2048 }, tools: [weatherTool], messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] };
    const streamed = await client.messages.stream(first).finalMessage();
    const whole = await client.messages.create(first);
    expect(plain(streamed)).toEqual(plain(whole));
    expect(whole.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    const thinking = whole.content[0] as Anthropic.ThinkingBlock;
    expect(thinking.signature.length).toBeGreaterThan(10);
    const call = whole.content[2] as Anthropic.ToolUseBlock;

    fake.handler = queue(json('after-tool.json'));
    const second = {
      ...first,
      messages: [
        ...first.messages,
        { role: 'assistant' as const, content: whole.content },
        { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: call.id, content: '18°C, sunny' }] },
      ],
    };
    const answer = await client.messages.create(second as any);
    expect(answer as any).toEqual(anthropicJson('after-tool.json'));
    const sent = fake.last().body;
    expect(sent).toEqual(JSON.parse(JSON.stringify(bodyOf(second))));
    expect(sent.messages[1].content[0]).toEqual({ type: 'thinking', thinking: thinking.thinking, signature: thinking.signature });
  });

  test('an image, system blocks with cache_control, stop_sequences, top_k and a server tool arrive as sent', async () => {
    fake.handler = queue(json('text.json'));
    const req = {
      model: 'claude-sonnet-4-5',
      max_tokens: 50,
      system: [{ type: 'text', text: 'You are terse.' }, { type: 'text', text: 'Long cached context…', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      stop_sequences: ['\n\nHuman:', 'END'],
      top_k: 5,
      tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }, weatherTool],
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }, { type: 'text', text: 'What is this?', cache_control: { type: 'ephemeral' } }] }],
    };
    const res = await client.messages.create(req as any);
    expect(res.stop_reason).toBe('end_turn');
    expect(fake.last().body).toEqual(bodyOf(req));
  });

  test('a URL image is fetched under the image-URL guard and sent inline (Anthropic fetches nothing); a refused URL is a 400, nothing sent', async () => {
    fake.handler = queue(json('text.json'));
    const url = `http://127.0.0.1:${images.port}/cat.png`;
    const text = { type: 'text', text: 'What is this?', cache_control: { type: 'ephemeral' } };
    await client.messages.create({
      model: 'claude-sonnet-4-5', max_tokens: 20,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url } }, text] as any }],
    });
    expect(fake.last().body.messages[0].content).toEqual([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }, text]);

    const before = fake.requests.length;
    const err = (await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'http://169.254.169.254/latest/x.png' } }] }] })
      .catch((e) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err.status).toBe(400);
    expect((err.error as any).error.type).toBe('invalid_request_error');
    expect(fake.requests.length).toBe(before);
  });

  test('count_tokens: Anthropic counts (no max_tokens added, beta header forwarded); logged as count_tokens', async () => {
    fake.handler = () => Response.json({ input_tokens: 1234 });
    const req = { model: 'claude-sonnet-4-5', system: 'Be brief.', tools: [weatherTool], messages: [{ role: 'user' as const, content: 'Hello' }] };
    const { data, response } = await client.messages.countTokens(req, { headers: { 'anthropic-beta': 'token-counting-2024-11-01' } }).withResponse();
    expect(data.input_tokens).toBe(1234);
    const up = fake.last();
    expect(up.path).toBe('/v1/messages/count_tokens');
    expect(up.body).toEqual(bodyOf(req));
    expect(up.headers['anthropic-beta']).toBe('token-counting-2024-11-01');
    expect(up.headers['x-api-key']).toBe(KEY);
    const row = await gw.waitForRow(idOf(response));
    expect(row).toMatchObject({ endpoint: 'count_tokens', provider: 'anthropic', status: 200, costUsd: 0 });
  });

  test('count_tokens takes what /v1/messages passes natively: web search results in a turn, a URL document; Anthropic counts the body as sent', async () => {
    // What Claude Code counts after a web search; other providers have no form for these blocks.
    const req = {
      model: 'claude-sonnet-4-5',
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      messages: [
        { role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/paper.pdf' } }, { type: 'text', text: 'Summarise it; search too.' }] },
        {
          role: 'assistant',
          content: [
            { type: 'server_tool_use', id: 'srvtoolu_01WebSearch000000000', name: 'web_search', input: { query: 'paper' } },
            { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01WebSearch000000000', content: [{ type: 'web_search_result', url: 'https://example.com/', title: 'Example', encrypted_content: 'EqgfCioIARgBIiQ3', page_age: null }] },
            { type: 'text', text: 'It is about examples.' },
          ],
        },
        { role: 'user', content: 'Thanks. Shorter?' },
      ],
    } as unknown as Anthropic.MessageCountTokensParams;
    fake.handler = () => Response.json({ input_tokens: 2345 });
    const { data, response } = await client.messages.countTokens(req).withResponse();
    expect(data.input_tokens).toBe(2345);
    expect(fake.last()).toMatchObject({ path: '/v1/messages/count_tokens', body: bodyOf(req) });
    expect(await gw.waitForRow(idOf(response))).toMatchObject({ endpoint: 'count_tokens', provider: 'anthropic', status: 200 });
  });

  test('count_tokens: an upstream failure is an Anthropic error, not an estimate', async () => {
    fake.handler = json('error-529.json', 529);
    const err = (await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] }).catch((e) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err.status).toBe(529);
    expect((err.error as any).error.type).toBe('overloaded_error');
  });
});

describe('Claude Code request replayed against anthropic', () => {
  const REQUEST = fixtureJson('messages', 'claude-code-request.json');
  const BETA = 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27';
  const claudeCode = (body: unknown) =>
    fetch(`${gw.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01', 'anthropic-beta': BETA },
      body: JSON.stringify(body),
    });

  for (const stream of [false, true]) {
    test(`${stream ? 'stream' : 'JSON'}: body with cache_control and anthropic-beta reach Anthropic untouched`, async () => {
      pair('thinking-tool')();
      const body = { ...REQUEST, model: 'claude-sonnet-4-5', stream };
      const res = await claudeCode(body);
      expect(res.status).toBe(200);
      const up = fake.last();
      expect(up.body).toEqual(body);
      expect(JSON.stringify(up.body)).toContain('"cache_control"');
      expect(up.headers['anthropic-beta']).toBe(BETA);
      expect(up.headers['anthropic-version']).toBe('2023-06-01');
      if (stream) expect(await res.text()).toBe(fixtureText('anthropic', 'thinking-tool.sse'));
      else expect(await res.json()).toEqual(foldSse('thinking-tool.sse'));
    });
  }

  test("Claude Code signed in to a subscription adds the OAuth beta: it is not sent beside the gateway's API key (messages and count_tokens)", async () => {
    pair('thinking-tool')();
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${gw.clientKey}`, 'anthropic-version': '2023-06-01', 'anthropic-beta': `oauth-2025-04-20, ${BETA}` };
    const res = await fetch(`${gw.url}/v1/messages?beta=true`, { method: 'POST', headers, body: JSON.stringify({ ...REQUEST, model: 'claude-sonnet-4-5', stream: false }) });
    expect(res.status).toBe(200);
    expect(fake.last().headers['anthropic-beta']).toBe(BETA);
    expect(fake.last().headers['x-api-key']).toBe(KEY);
    fake.handler = () => Response.json({ input_tokens: 11 });
    const count = await fetch(`${gw.url}/v1/messages/count_tokens?beta=true`, { method: 'POST', headers: { ...headers, 'anthropic-beta': 'oauth-2025-04-20' }, body: JSON.stringify({ model: 'claude-sonnet-4-5', messages: REQUEST.messages }) });
    expect(await count.json()).toEqual({ input_tokens: 11 });
    expect(fake.last().path).toBe('/v1/messages/count_tokens');
    expect(fake.last().headers['anthropic-beta']).toBeUndefined();
  });
});
