/**
 * /v1/messages to the `anthropic` provider: usage and cost read from Anthropic's answer (cache
 * reads and writes), Claude Code's dated model ids priced as the undated model, and what budgets
 * reserve for native requests (content Anthropic fetches, the context-1m beta).
 */
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureText, jsonResponse, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicJson, json, queue, sse } from '../anthropic/fake-anthropic';
import { limitedClient } from '../limits/limits-helpers';
import { anthropicClient, parseSse } from './messages-helpers';
import { idOf, useAnthropicRig } from './anthropic-rig';

let fake: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
useAnthropicRig((r) => ({ fake, gw, client } = r));

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
