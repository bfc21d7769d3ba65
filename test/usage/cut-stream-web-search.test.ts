/**
 * An Anthropic stream cut after its server-side web searches ran, before message_delta (whose
 * usage.server_tool_use.web_search_requests counts them) arrived: Anthropic bills each search it
 * ran ($10 per 1,000; one that ended in an error is not billed) whether or not the stream's end
 * reached the gateway, so the row bills the searches the stream showed, beside its token estimate.
 */
import { expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicMessage, anthropicUsage, cutAnthropicStream, M, useBillingGateway } from './cache-billing-rig';

let gw: TestGateway;
const fake = useBillingGateway((g) => {
  gw = g;
});

/** A search as Anthropic streams it: the server_tool_use block, then its result block (results, or an error). */
const search = (index: number, id: string, failed = false) => [
  { type: 'content_block_start', index, content_block: { type: 'server_tool_use', id, name: 'web_search', input: {} } },
  { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '{"query": "tide tables"}' } },
  { type: 'content_block_stop', index },
  {
    type: 'content_block_start', index: index + 1,
    content_block: {
      type: 'web_search_tool_result', tool_use_id: id,
      content: failed
        ? { type: 'web_search_tool_result_error', error_code: 'unavailable' }
        : [{ type: 'web_search_result', url: 'https://example.com/tides', title: 'Tides', encrypted_content: 'EqgfCioIARgBIiQ3YTAwMjY1Mi1', page_age: null }],
    },
  },
  { type: 'content_block_stop', index: index + 1 },
];

test('native /v1/messages stream cut after two searches ran and one failed: the row bills the two, $0.01 each, beside the tokens', async () => {
  const delivered = 'word '.repeat(300);
  fake.handler = cutAnthropicStream([
    { type: 'message_start', message: { ...anthropicMessage, content: [], stop_reason: null, usage: { ...anthropicUsage, output_tokens: 1, server_tool_use: { web_search_requests: 0 } } } },
    ...search(0, 'srvtoolu_01A'),
    ...search(2, 'srvtoolu_01B'),
    ...search(4, 'srvtoolu_01C', true),
    { type: 'content_block_start', index: 6, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 6, delta: { type: 'text_delta', text: delivered } },
  ]);
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.clientKey, maxRetries: 0 });
  const { data: stream, response } = await client.messages
    .create({ model: 'claude-sonnet-4-5', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'Tides?' }], tools: [{ type: 'web_search_20250305', name: 'web_search' }] })
    .withResponse();
  let text = '';
  await expect(
    (async () => {
      for await (const e of stream) if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
    })(),
  ).rejects.toThrow();
  expect(text).toContain('word word');
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ promptTokens: 3512, cachedTokens: 500, cacheWriteTokens: 3000, estimated: true });
  // The prompt at its exact rates (12*3 + 500*0.3 + 1000*3.75 + 2000*6), the output estimated at
  // 15 $/M, and the two searches that returned results at $0.01 each.
  expect(row.costUsd).toBeCloseTo((12 * 3 + 500 * 0.3 + 1000 * 3.75 + 2000 * 6 + row.completionTokens * 15) / M + 2 * 0.01, 12);
});
