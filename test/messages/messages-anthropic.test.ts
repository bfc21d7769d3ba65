/**
 * POST /v1/messages and /v1/messages/count_tokens to the `anthropic` provider: passed through
 * natively (body, cache_control, anthropic-version / anthropic-beta untouched; Anthropic's own
 * JSON and event stream relayed) with usage read from Anthropic's answer, driven by the official
 * @anthropic-ai/sdk against the fake Anthropic upstream replaying recorded wire shapes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { addProviderKey, deleteProviderKey } from '../../src/admin/provider-keys-service';
import { modelGroups } from '../../src/db/schema';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { fixtureJson, fixtureText, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicJson, anthropicSse, json, queue, sse, strictAboutThinking } from '../anthropic/fake-anthropic';
import { limitedClient } from '../limits/limits-helpers';
import { anthropicClient, expectAnthropicOrder, foldChatChunks, parseSse, PNG_BASE64, weatherTool } from './messages-helpers';

const KEY = 'sk-ant-test-0123456789';
let fake: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
let images: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  fake = startFakeUpstream();
  images = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response(Buffer.from(PNG_BASE64, 'base64'), { headers: { 'content-type': 'image/png' } }) });
  const chunks = readChunks('openai', 'text.chunks.txt');
  openai = startFakeUpstream((_r, rec) => (rec.body?.stream ? sseResponse(chunks) : jsonResponse(foldChatChunks(chunks))));
  gw = await startGateway({
    env: {
      ANTHROPIC_API_KEY: KEY, LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url, ...providerEnv('openai', `${openai.url}/v1`),
      LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1',
    },
  });
  const now = Date.now();
  gw.ctx.db.insert(modelGroups).values({ name: 'claude-then-gpt', strategy: 'heuristic', targets: ['claude-sonnet-4-5', 'openai/gpt-4o-mini'], updatedAt: now }).run();
  gw.ctx.db.insert(modelGroups).values({ name: 'gpt-then-claude', strategy: 'heuristic', targets: ['openai/gpt-4o-mini', 'claude-sonnet-4-5'], updatedAt: now }).run();
  gw.ctx.state.reload();
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  fake.close();
  openai.close();
  images.stop(true);
});
// The error tests fail the anthropic target on purpose: each test starts with closed circuits.
afterEach(() => (gw.ctx.breakers as unknown as { reset(): void }).reset());

/** Anthropic's SSE folded into the message the same upstream answers without streaming. */
function foldSse(name: string): any {
  const events = parseSse(fixtureText('anthropic', name));
  const message = structuredClone(events[0].message);
  const partial: string[] = [];
  for (const e of events) {
    if (e.type === 'content_block_start') {
      message.content[e.index] = structuredClone(e.content_block);
      partial[e.index] = '';
    } else if (e.type === 'content_block_delta') {
      const b = message.content[e.index];
      const d = e.delta;
      if (d.type === 'text_delta') b.text += d.text;
      else if (d.type === 'thinking_delta') b.thinking += d.thinking;
      else if (d.type === 'signature_delta') b.signature += d.signature;
      else if (d.type === 'input_json_delta') partial[e.index] += d.partial_json;
    } else if (e.type === 'content_block_stop') {
      const b = message.content[e.index];
      if (b.type === 'tool_use' && partial[e.index]) b.input = JSON.parse(partial[e.index]!);
    } else if (e.type === 'message_delta') {
      Object.assign(message, e.delta);
      message.usage = { ...message.usage, ...e.usage };
    }
  }
  return message;
}

/** The fake answers a stream request with `name`.sse and a JSON one with its fold. */
const pair = (name: string) => () => {
  fake.handler = (_r, rec) => (rec.body?.stream ? anthropicSse(`${name}.sse`) : jsonResponse(foldSse(`${name}.sse`)));
};

/** An SDK message as plain JSON, without the SDK's own slots (request ids, parse and JSON buffers). */
const SDK_SLOTS = new Set(['_request_id', '_workspace_id', 'parsed_output', '__json_buf']);
const plain = (m: unknown): any => JSON.parse(JSON.stringify(m, (k, v) => (SDK_SLOTS.has(k) ? undefined : v)));

const bodyOf = (r: { model: string }) => ({ ...r, model: 'claude-sonnet-4-5' });
const idOf = (res: Response) => res.headers.get('x-request-id')!;

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

describe('usage and cost with cache reads and writes', () => {
  // claude-sonnet-4-5: input 3, cached input 0.3, cache write 3.75, output 15 USD per million.
  test('non-stream cache write: the row and the cost exact', async () => {
    fake.handler = queue(json('cache-write.json'));
    const { data, response } = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'Term?' }] }).withResponse();
    expect(data.usage as any).toEqual(anthropicJson('cache-write.json').usage);
    const row = await gw.waitForRow(idOf(response));
    expect(row).toMatchObject({ endpoint: 'messages', promptTokens: 2060, cachedTokens: 0, cacheWriteTokens: 2048, completionTokens: 11 });
    expect(row.costUsd).toBeCloseTo((12 * 3 + 2048 * 3.75 + 11 * 15) / 1e6, 12);
  });

  test('stream cache read + write: message_start and message_delta merged, cost exact', async () => {
    fake.handler = queue(sse('cache-read.sse'));
    const events = parseSse(fixtureText('anthropic', 'cache-read.sse'));
    const start = events[0].message.usage;
    const out = events.find((e) => e.type === 'message_delta').usage.output_tokens;
    const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'Again?' }] });
    const final = await stream.finalMessage();
    expect(final.usage.cache_read_input_tokens).toBe(start.cache_read_input_tokens);
    const id = (await stream.withResponse()).response.headers.get('x-request-id')!;
    const row = await gw.waitForRow(id);
    const prompt = start.input_tokens + start.cache_read_input_tokens + start.cache_creation_input_tokens;
    expect(row).toMatchObject({ promptTokens: prompt, cachedTokens: start.cache_read_input_tokens, cacheWriteTokens: start.cache_creation_input_tokens, completionTokens: out });
    const cost = (start.input_tokens * 3 + start.cache_read_input_tokens * 0.3 + start.cache_creation_input_tokens * 3.75 + out * 15) / 1e6;
    expect(row.costUsd).toBeCloseTo(cost, 12);
  });
});

describe("Claude Code's dated model ids with the anthropic provider on", () => {
  test('go to Anthropic as asked (JSON, stream, count_tokens), priced as the undated model', async () => {
    const dated = 'claude-sonnet-4-5-20250929';
    fake.handler = queue(json('cache-write.json'), sse('text.sse'), () => jsonResponse({ input_tokens: 42 }));
    const { response } = await client.messages.create({ model: dated, max_tokens: 50, messages: [{ role: 'user', content: 'Term?' }] }).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('anthropic');
    expect(fake.last().body.model).toBe(dated);
    const row = await gw.waitForRow(idOf(response));
    expect(row).toMatchObject({ endpoint: 'messages', modelRequested: dated, provider: 'anthropic', status: 200, cacheWriteTokens: 2048 });
    // claude-sonnet-4-5's prices (input 3, cache write 3.75, output 15 USD per million).
    expect(row.costUsd).toBeCloseTo((12 * 3 + 2048 * 3.75 + 11 * 15) / 1e6, 12);

    const stream = client.messages.stream({ model: dated, max_tokens: 50, messages: [{ role: 'user', content: 'Tell a story.' }] });
    expect((await stream.finalMessage()).content).toEqual([{ type: 'text', text: 'Once upon a time.' } as any]);
    expect(fake.last().body).toMatchObject({ model: dated, stream: true });
    const streamRow = await gw.waitForRow((await stream.withResponse()).response.headers.get('x-request-id')!);
    expect(streamRow).toMatchObject({ provider: 'anthropic', status: 200, promptTokens: 21, completionTokens: 9 });
    expect(streamRow.costUsd).toBeCloseTo((21 * 3 + 9 * 15) / 1e6, 12);

    const counted = await client.messages.countTokens({ model: 'claude-haiku-4-5-20251001', messages: [{ role: 'user', content: 'Hi' }] });
    expect(counted.input_tokens).toBe(42);
    expect(fake.last()).toMatchObject({ path: '/v1/messages/count_tokens', body: { model: 'claude-haiku-4-5-20251001' } });
  });

  test("a key allowed only anthropic/* may use them, and its budget reserves them at the undated model's prices", async () => {
    const dated = 'claude-sonnet-4-5-20250929';
    const key = await limitedClient(gw, 'claude-code', { models: ['anthropic/*'], budgetUsd: 0.01, budgetPeriod: 'month' });
    const claudeCode = anthropicClient(gw, key.key);
    const ask = (maxTokens: number) => claudeCode.messages.create({ model: dated, max_tokens: maxTokens, messages: [{ role: 'user', content: 'Term?' }] });
    // 1,000 output tokens at claude-sonnet-4-5's $15 per million is more than the $0.01 left: not
    // priced at $0 (sent as asked) nor refused for the model, but cut to the ~300 tokens half of it
    // holds (a cut request reserves half the room, leaving the rest to a request beside it).
    fake.handler = queue(json('text.json'), json('text.json'));
    expect((await ask(1_000)).content[0]).toMatchObject({ type: 'text' });
    expect(fake.last().body.max_tokens).toBeGreaterThan(200);
    expect(fake.last().body.max_tokens).toBeLessThan(0.01 / 2 / 15 * 1e6);
    expect((await ask(100)).content[0]).toMatchObject({ type: 'text' });
    expect(fake.last().body.max_tokens).toBe(100);
    expect(fake.last().body.model).toBe(dated);
  });
});

describe('budgets on native requests', () => {
  test('a budget reserves the whole window for a PDF Anthropic fetches by URL (its size is not in the body); the same PDF inline is admitted', async () => {
    const key = await limitedClient(gw, 'pdf-reader', { budgetUsd: 1, budgetPeriod: 'month' });
    const reader = anthropicClient(gw, key.key);
    const ask = (source: Anthropic.DocumentBlockParam['source']) =>
      reader.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'document', source }, { type: 'text', text: 'Summarise.' }] }] });
    // A 100-page PDF is ~200K prompt tokens ($0.60 at $3/M, more written to a cache): beyond what the body's size reserves.
    const before = fake.requests.length;
    const refused = await ask({ type: 'url', url: 'https://example.com/annual-report.pdf' }).catch((e) => e);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect(refused.error.error.message).toContain('Budget exceeded');
    expect(fake.requests.length).toBe(before);
    fake.handler = queue(json('text.json'));
    const inline = await ask({ type: 'base64', media_type: 'application/pdf', data: Buffer.from('%PDF-1.4 tiny').toString('base64') });
    expect(inline.content[0]).toMatchObject({ type: 'text' });
  });

  test("with the context-1m beta the window a budget reserves for unseen content is Anthropic's 1M tokens at the long-context rates", async () => {
    const key = await limitedClient(gw, 'pdf-reader-1m', { budgetUsd: 10, budgetPeriod: 'month' });
    const reader = anthropicClient(gw, key.key);
    const ask = (beta?: string) =>
      reader.messages.create(
        { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/annual-report.pdf' } }, { type: 'text', text: 'Summarise.' }] }] },
        beta ? { headers: { 'anthropic-beta': beta } } : {},
      );
    // 200K tokens at the dearest base rate ($15/M) is $3, within $10: admitted.
    fake.handler = queue(json('text.json'));
    expect((await ask()).content[0]).toMatchObject({ type: 'text' });
    // With the beta the PDF may fill 1M tokens, billed at the long-context rates ($22.50/M output): $22.50.
    const before = fake.requests.length;
    const refused = await ask('interleaved-thinking-2025-05-14,context-1m-2025-08-07').catch((e) => e);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect(refused.error.error.message).toContain('Budget exceeded');
    expect(fake.requests.length).toBe(before);
  });
});

describe('upstream errors in Anthropic shape', () => {
  const req = { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user' as const, content: 'Hi' }] };
  const cases = [
    { file: 'error-429.json', status: 429, client: 429, type: 'rate_limit_error' },
    { file: 'error-500.json', status: 500, client: 502, type: 'api_error' },
    { file: 'error-529.json', status: 529, client: 529, type: 'overloaded_error' },
  ];
  for (const c of cases) {
    for (const stream of [false, true]) {
      test(`upstream ${c.status} (${stream ? 'stream' : 'JSON'}) -> ${c.client} ${c.type}; the row records ${c.client}`, async () => {
        fake.handler = json(c.file, c.status);
        const res = await fetch(`${gw.url}/v1/messages`, {
          method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream }),
        });
        expect(res.status).toBe(c.client);
        const body = (await res.json()) as any;
        expect(body.type).toBe('error');
        expect(body.error.type).toBe(c.type);
        const row = await gw.waitForRow(idOf(res));
        expect(row).toMatchObject({ endpoint: 'messages', provider: 'anthropic', status: c.client });
      });
    }
  }

  test("Anthropic's 529 with retry-after (JSON and stream): the client's 529 carries it, as an upstream 503's does", async () => {
    for (const stream of [false, true]) {
      fake.handler = json('error-529.json', 529, { 'retry-after': '7' });
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream }),
      });
      expect(res.status).toBe(529);
      expect(res.headers.get('retry-after')).toBe('7');
      expect((await gw.waitForRow(idOf(res))).status).toBe(529);
    }
    fake.handler = json('error-529.json', 529, { 'retry-after': '7' });
    const err = await client.messages.create(req, { maxRetries: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.status).toBe(529);
    expect(err.headers.get('retry-after')).toBe('7');
  });

  test("Anthropic's x-should-retry on an error is passed on (JSON and stream), so the SDK does not retry a 5xx Anthropic said not to", async () => {
    for (const stream of [false, true]) {
      fake.handler = json('error-500.json', 500, { 'x-should-retry': 'false' });
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream }),
      });
      expect(res.status).toBe(502);
      expect(res.headers.get('x-should-retry')).toBe('false');
      expect((await gw.waitForRow(idOf(res))).status).toBe(502);
    }
    fake.handler = json('error-500.json', 500, { 'x-should-retry': 'false' });
    const tries: Response[] = [];
    const retrying = new Anthropic({
      apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 2,
      fetch: async (url, init) => {
        const r = await fetch(url, init);
        tries.push(r.clone());
        return r;
      },
    });
    const err = await retrying.messages.create(req).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.headers.get('x-should-retry')).toBe('false');
    expect(tries.map((r) => r.status)).toEqual([502]);
    expect((await gw.waitForRow(tries[0]!)).status).toBe(502);
    // Marked retryable: passed on as well.
    fake.handler = json('error-529.json', 529, { 'x-should-retry': 'true' });
    const again = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify(req) });
    expect([again.status, again.headers.get('x-should-retry')]).toEqual([529, 'true']);
    expect((await gw.waitForRow(idOf(again))).status).toBe(529);
  });

  test('repeated upstream failures open the circuit: then a 503 overloaded_error without calling Anthropic', async () => {
    fake.handler = json('error-500.json', 500);
    for (let i = 0; i < 5; i++) expect((await client.messages.create(req).catch((e) => e)).status).toBe(502);
    const before = fake.requests.length;
    const res = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify(req) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(((await res.json()) as any).error.type).toBe('overloaded_error');
    expect(fake.requests.length).toBe(before);
    expect((await gw.waitForRow(idOf(res))).status).toBe(503);
  });

  test('an error event midway is relayed as Anthropic sent it, once; the SDK throws overloaded', async () => {
    fake.handler = queue(sse('error-midstream.sse'));
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream: true }),
    });
    expect(await res.text()).toBe(fixtureText('anthropic', 'error-midstream.sse'));
    const row = await gw.waitForRow(idOf(res));
    expect(row.status).toBe(529);

    fake.handler = queue(sse('error-midstream.sse'));
    const err = await client.messages.stream(req).finalMessage().catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String(err.message)).toContain('overloaded_error');
  });

  test('a client that goes away mid-stream aborts the Anthropic call; the row says 499', async () => {
    const first = fixtureText('anthropic', 'text.sse').split('\n\n')[0] + '\n\n';
    fake.handler = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode(first));
          },
          cancel() {
            fake.noteAbort();
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    const aborts = fake.aborts;
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream: true }), signal: ac.signal,
    });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(first);
    ac.abort();
    await fake.waitForAbort(aborts + 1);
    expect((await gw.waitForRow(idOf(res))).status).toBe(499);
  });

  test('a cut stream ends with event: error after what arrived', async () => {
    fake.handler = queue(sse('text.sse', { cutAfter: 4 }));
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream: true }),
    });
    const events = parseSse(await res.text());
    expect(events.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'error']);
    expect(events.at(-1).error.type).toBe('api_error');
    const row = await gw.waitForRow(idOf(res));
    expect(row.status).toBeGreaterThanOrEqual(500);
  });
});

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
    expect((await client.messages.create(req('claude-then-gpt'))) as any).toEqual(anthropicJson('text.json'));

    const before = openai.handler;
    openai.handler = () => Response.json({ error: { message: 'down', type: 'server_error' } }, { status: 503 });
    try {
      pair('text')();
      const final = await client.messages.stream(req('gpt-then-claude')).finalMessage();
      expect(plain(final)).toEqual(foldSse('text.sse'));
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
        { type: 'tool_use', id: 'call_oslo', name: 'get_weather', input: { city: 'Oslo' } },
      ] as any);

      const next = {
        // With tools the group's heuristic picks its strongest target, Claude.
        ...base, model: 'gpt-then-claude',
        messages: [...history, { role: 'assistant' as const, content: translated.content }, { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'call_oslo', content: '9°C' }] }],
      };
      // The fake refuses as Anthropic does: an unsigned thinking block, or (thinking on) a last tool turn without its thinking.
      fake.handler = strictAboutThinking(json('after-tool.json'));
      const { data, response } = await client.messages.create(next as any).withResponse();
      expect(data as any).toEqual(anthropicJson('after-tool.json'));
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
    expect(res as any).toEqual(anthropicJson('text.json'));
    expect(fake.last().body.tools).toEqual(body.tools);
  });
});

describe('provider key pool', () => {
  const POOL_KEY = 'sk-ant-pool-key-abcdefghij';
  test('a key Anthropic rate-limits is set aside for the next key (JSON, stream, count_tokens); the row names the key that answered', async () => {
    const added = await addProviderKey(gw.ctx, 'anthropic', { key: POOL_KEY, weight: 1000, label: 'pool' });
    gw.ctx.keyPool = new ProviderKeyPool();
    try {
      const seen: string[] = [];
      fake.handler = (_r, rec) => {
        seen.push(rec.headers['x-api-key']!);
        if (rec.headers['x-api-key'] === POOL_KEY) return jsonResponse(anthropicJson('error-429.json'), 429, { 'retry-after': '60' });
        if (rec.path.endsWith('/count_tokens')) return Response.json({ input_tokens: 7 });
        return rec.body?.stream ? anthropicSse('text.sse') : jsonResponse(anthropicJson('text.json'));
      };
      const { data, response } = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
      expect(data as any).toEqual(anthropicJson('text.json'));
      expect(seen).toEqual([POOL_KEY, KEY]);
      const row = await gw.waitForRow(idOf(response));
      expect(row.providerKeyId).toBe('env');
      expect(JSON.parse(row.attempts!).map((a: any) => [a.status, a.keyId])).toEqual([[429, added.id], [200, 'env']]);
      // The refused key cools down: later messages go straight to the one that answers. Token
      // counting has limits of its own at Anthropic: it still tries the key (refused here too).
      const final = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
      expect(plain(final)).toEqual(foldSse('text.sse'));
      expect((await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] })).input_tokens).toBe(7);
      expect(seen).toEqual([POOL_KEY, KEY, KEY, POOL_KEY, KEY]);
      expect((await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] })).input_tokens).toBe(7);
      expect(seen.slice(5)).toEqual([KEY]);
    } finally {
      await deleteProviderKey(gw.ctx, 'anthropic', added.id);
      gw.ctx.keyPool = new ProviderKeyPool();
    }
  });
});
