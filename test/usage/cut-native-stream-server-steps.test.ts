/**
 * A native Anthropic stream cut after server-side steps ran, before message_delta (whose usage
 * counts them: server_tool_use.web_search_requests, iterations) arrived: Anthropic bills each web
 * search it ran ($10 per 1,000; one that ended in an error is not billed) and a compaction step
 * (the whole prompt read, the summary written) whether or not the stream's end reached the
 * gateway, so the row bills what the stream showed, beside its token estimate.
 */
import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

test('native /v1/messages stream (recorded) cut after its compaction step, before message_delta: the step\'s prompt and summary billed too, estimated', async () => {
  const sse = readFileSync(join(import.meta.dir, '../fixtures/anthropic/compaction.sse'), 'utf8');
  const events = sse.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
  fake.handler = cutAnthropicStream(events.slice(0, events.findIndex((e) => e.type === 'message_delta')));
  // A long conversation: the compaction step read all of it (about 40,000 tokens).
  const history = 'word '.repeat(40_000);
  const res = await gw.fetch('/v1/messages', {
    method: 'POST',
    headers: { 'anthropic-beta': 'compact-2026-01-12' },
    body: JSON.stringify({ model: 'claude-opus-4-6', max_tokens: 4096, stream: true, context_management: { edits: [{ type: 'compact_20260112' }] }, messages: [{ role: 'user', content: history }, { role: 'assistant', content: 'Noted.' }, { role: 'user', content: 'Next step?' }] }),
  });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('compaction_delta');
  const row = await gw.waitForRow(res);
  expect(row.estimated).toBe(true);
  // message_start's 23,000 (the answer's own prompt) plus the compaction step's estimated ~40,000.
  expect(row.promptTokens).toBeGreaterThan(23_000 + 38_000);
  expect(row.promptTokens).toBeLessThan(23_000 + 42_000);
  // claude-opus-4-6, no cache, no long-context tier: every prompt token at 5 $/M, every output token at 25.
  expect(row.costUsd).toBeCloseTo((row.promptTokens * 5 + row.completionTokens * 25) / M, 12);
});
