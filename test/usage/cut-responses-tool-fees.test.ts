/**
 * An OpenAI Responses stream (passed through) cut before its terminal event, after built-in tools
 * finished: OpenAI bills each web search and each generated image whether or not the stream's end
 * reached the gateway (or its client stayed), so the row bills the tool calls whose items were done
 * (response.output_item.done) beside the token estimate, at the rates response.created names; xAI's
 * server-side tool calls likewise, which only its final usage counts.
 */
import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestGateway } from '../helpers/start-gateway';
import { cutStream, M, type Reply, useBillingGateway } from './cache-billing-rig';

let gw: TestGateway;
const fake = useBillingGateway((g) => {
  gw = g;
});

/** Responses events (named by their type, numbered), then the connection cut (before response.completed). */
const cutResponsesStream = (events: any[]): Reply => cutStream(events, (e, n) => `event: ${e.type}\ndata: ${JSON.stringify({ ...e, sequence_number: n })}\n\n`);

const tools = [{ type: 'web_search' }, { type: 'image_generation', quality: 'high', size: '1024x1024' }];
const response = {
  id: 'resp_68c1cut0000000000000000000000000000000000000001', object: 'response', created_at: 1757925600, status: 'in_progress',
  model: 'gpt-4o-2024-08-06', output: [], tools, reasoning: { effort: null, summary: null }, service_tier: 'default', usage: null,
};
const searchItem = { id: 'ws_68c1cut01', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'lighthouse' } };
const imageItem = { id: 'ig_68c1cut02', type: 'image_generation_call', status: 'completed', revised_prompt: 'A lighthouse', result: 'aGVsbG8=', size: '1024x1024', quality: 'high' };
const delivered = 'word '.repeat(200);

test('/v1/responses stream cut after a web search and an image were done: the row bills both beside the token estimate', async () => {
  fake.handler = cutResponsesStream([
    { type: 'response.created', response },
    { type: 'response.in_progress', response },
    { type: 'response.output_item.added', output_index: 0, item: { ...searchItem, status: 'in_progress' } },
    { type: 'response.web_search_call.completed', output_index: 0, item_id: searchItem.id },
    { type: 'response.output_item.done', output_index: 0, item: searchItem },
    { type: 'response.output_item.added', output_index: 1, item: { ...imageItem, status: 'in_progress', result: null } },
    { type: 'response.output_item.done', output_index: 1, item: imageItem },
    { type: 'response.output_item.added', output_index: 2, item: { id: 'msg_68c1cut03', type: 'message', status: 'in_progress', role: 'assistant', content: [] } },
    { type: 'response.output_text.delta', output_index: 2, content_index: 0, item_id: 'msg_68c1cut03', delta: delivered },
  ]);
  const { data: stream, response: res } = await gw
    .openai()
    .responses.create({ model: 'gpt-4o', input: 'Draw a lighthouse from today\'s news.', tools: tools as any, stream: true })
    .withResponse();
  let text = '';
  await expect(
    (async () => {
      for await (const e of stream) if (e.type === 'response.output_text.delta') text += e.delta;
    })(),
  ).rejects.toThrow();
  expect(text).toContain('word word');
  const row = await gw.waitForRow(res);
  expect(row.estimated).toBe(true);
  // gpt-4o's tokens (2.5 / 10 $/M), one web search at $0.01, one high 1024x1024 image: 4,160 image tokens at $40/M.
  const tokensUsd = (row.promptTokens * 2.5 + row.completionTokens * 10) / M;
  expect(row.costUsd).toBeCloseTo(tokensUsd + 0.01 + (4160 * 40) / M, 12);
});

test('a Grok /v1/responses stream (recorded) cut after its two web searches, before response.completed: $0.005 each beside the token estimate', async () => {
  const lines = readFileSync(join(import.meta.dir, '../fixtures/grok/responses-web-search.events.txt'), 'utf8').split('\n').filter((l) => l.trim());
  const events = lines.map((l) => JSON.parse(l));
  const cutAt = events.findIndex((e) => e.type === 'response.output_text.done');
  expect(events.slice(0, cutAt).filter((e) => e.type === 'response.output_item.done' && e.item.type === 'web_search_call')).toHaveLength(2);
  fake.handler = cutResponsesStream(events.slice(0, cutAt));
  const { data: stream, response: res } = await gw.openai().responses.create({ model: 'grok-4.3', input: 'What is the title of x.ai?', tools: [{ type: 'web_search' }], stream: true }).withResponse();
  await expect(
    (async () => {
      for await (const _ of stream);
    })(),
  ).rejects.toThrow();
  const row = await gw.waitForRow(res);
  expect(row.estimated).toBe(true);
  // grok-4.3's tokens (1.25 / 2.5 $/M), two web search calls at xAI's $5 per 1,000.
  expect(row.costUsd).toBeCloseTo((row.promptTokens * 1.25 + row.completionTokens * 2.5) / M + 2 * 0.005, 12);
});
