/**
 * Billing of streams whose usage is not all there (cache-billing-rig.ts): Anthropic and Gemini
 * streams cut before their final usage keep the prompt's exact counts and estimate the output
 * from what was delivered; a translated /v1/messages stream's message_start says the prompt's
 * counts as exactly as the upstream's first chunk lets it.
 */
import { describe, expect, test } from 'bun:test';
import { sseResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import {
  anthropicClientUsage, anthropicMessage, anthropicUsage, chat, cutAnthropicStream, cutStream, geminiRow, geminiThinking, M, messages, type Reply, useBillingGateway,
} from './cache-billing-rig';

let gw: TestGateway;
const fake = useBillingGateway((g) => {
  gw = g;
});

describe('an Anthropic stream cut before its final usage', () => {
  // message_start carries the prompt's exact counts (cache read and write) and output_tokens: 1,
  // a placeholder; the output count comes only in message_delta, which never arrives here.
  const delivered = 'word '.repeat(300);
  const events = [
    { type: 'message_start', message: { ...anthropicMessage, content: [], stop_reason: null, usage: { ...anthropicUsage, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: delivered } },
  ];
  for (const [path, body] of [['/v1/chat/completions', chat('claude-sonnet-4-5', true)], ['/v1/messages', messages('claude-sonnet-4-5', true)]] as const) {
    test(`${path}: the prompt's real counts, the output estimated from what was delivered (not message_start's 1)`, async () => {
      fake.handler = cutAnthropicStream(events);
      const res = await gw.fetch(path, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('word word');
      const row = await gw.waitForRow(res);
      expect(row).toMatchObject({ promptTokens: 3512, cachedTokens: 500, cacheWriteTokens: 3000, reasoningTokens: 0, estimated: true });
      // 300 'word's were delivered: about 300 tokens, never the placeholder 1.
      expect(row.completionTokens).toBeGreaterThanOrEqual(250);
      expect(row.completionTokens).toBeLessThanOrEqual(350);
      // Prompt at its exact rates (12*3 + 500*0.3 + 1000*3.75 + 2000*6), output at 15 $/M.
      expect(row.costUsd).toBeCloseTo((12 * 3 + 500 * 0.3 + 1000 * 3.75 + 2000 * 6 + row.completionTokens * 15) / M, 12);
    });
  }
});

/** Gemini events (`data:` only), then the connection cut before the finishing chunk. */
const cutGeminiStream = (payloads: unknown[]): Reply => cutStream(payloads, (p) => `data: ${JSON.stringify(p)}\r\n\r\n`);

describe('a Gemini stream cut before its finishing chunk', () => {
  // Before the finishing chunk usageMetadata is a running total: the prompt's counts (cache hits
  // included) and the thoughts so far are real, the candidates count is not there yet.
  const delivered = 'word '.repeat(300);
  const running = { promptTokenCount: 1045, cachedContentTokenCount: 1024, thoughtsTokenCount: 468, totalTokenCount: 1513 };
  const payloads = [
    { candidates: [{ content: { parts: [{ text: 'The capital' }], role: 'model' }, index: 0 }], usageMetadata: running, modelVersion: 'gemini-2.5-flash' },
    { candidates: [{ content: { parts: [{ text: delivered }], role: 'model' }, index: 0 }], usageMetadata: running, modelVersion: 'gemini-2.5-flash' },
  ];
  for (const [path, body] of [['/v1/chat/completions', chat('gemini-2.5-flash', true)], ['/v1/messages', messages('gemini-2.5-flash', true)]] as const) {
    test(`${path}: the prompt's real counts, the thoughts plus the delivered text as output (not the running total's thoughts alone)`, async () => {
      fake.handler = cutGeminiStream(payloads);
      const res = await gw.fetch(path, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('word word');
      const row = await gw.waitForRow(res);
      expect(row).toMatchObject({ promptTokens: 1045, cachedTokens: 1024, reasoningTokens: 468, estimated: true });
      // 468 thoughts (billed, not delivered) + about 300 tokens of delivered text.
      expect(row.completionTokens).toBeGreaterThanOrEqual(468 + 250);
      expect(row.completionTokens).toBeLessThanOrEqual(468 + 350);
      // Prompt at its exact rates (21 uncached at 0.3, 1024 cached at 0.03), all output at 2.5 $/M.
      expect(row.costUsd).toBeCloseTo((21 * 0.3 + 1024 * 0.03 + row.completionTokens * 2.5) / M, 12);
    });
  }
});

/**
 * A /v1/messages stream whose upstream holds its last payload until message_start reached the
 * client, so message_start can only say what the upstream's first chunk did. Returns every event.
 */
async function messagesStreamHeldAtEnd(body: unknown, payloads: unknown[]): Promise<{ res: Response; events: any[] }> {
  let release!: () => void;
  const until = new Promise<void>((r) => (release = r));
  fake.handler = () => sseResponse(payloads.map((p) => JSON.stringify(p)), { holdAt: { at: payloads.length - 1, until } });
  const res = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (text.includes('event: message_start')) release();
  }
  const events = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
  return { res, events };
}

describe('/v1/messages translated streams: message_start usage', () => {
  // LangChain's ChatAnthropic reads the prompt's usage from message_start only, and Claude Code
  // its context size: Gemini reports the prompt's counts (cache hits included) with its first
  // chunk, so message_start says them exactly, in Anthropic's convention (input without the hits).
  test('gemini: message_start carries the first chunk\'s exact prompt and cache counts, message_delta the final ones', async () => {
    const { res, events } = await messagesStreamHeldAtEnd(messages('gemini-2.5-flash', true), [
      { candidates: [{ content: { parts: [{ text: 'The capital' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 1045, cachedContentTokenCount: 1024, thoughtsTokenCount: 468, totalTokenCount: 1513 }, modelVersion: 'gemini-2.5-flash' },
      { candidates: [{ content: { parts: [{ text: ' of France is Paris.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: geminiThinking.usageMetadata, modelVersion: 'gemini-2.5-flash' },
    ]);
    expect(events.find((e) => e.type === 'message_start').message.usage).toEqual(anthropicClientUsage(21, 1024, 0, 0));
    expect(events.find((e) => e.type === 'message_delta').usage).toEqual(anthropicClientUsage(21, 1024, 0, 476, 468));
    const row = await gw.waitForRow(res);
    const { costUsd, ...tokens } = geminiRow;
    expect(row).toMatchObject({ ...tokens, estimated: false });
    expect(row.costUsd).toBeCloseTo(costUsd, 12);
  });

  test('an upstream that reports usage only at the end (DeepSeek): message_start approximates the prompt, message_delta has the exact cache hits', async () => {
    const { res, events } = await messagesStreamHeldAtEnd(messages('deepseek-chat', true), [
      { id: 'd1', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] },
      { id: 'd1', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1516, completion_tokens: 23, total_tokens: 1539, prompt_cache_hit_tokens: 1472, prompt_cache_miss_tokens: 44 } },
    ]);
    const start = events.find((e) => e.type === 'message_start').message.usage;
    // 'Clause?' is a few tokens: the approximation, with no cache counts it could know.
    expect(start).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 0 });
    expect(start.input_tokens).toBeGreaterThan(0);
    expect(start.input_tokens).toBeLessThan(20);
    expect(events.find((e) => e.type === 'message_delta').usage).toEqual(anthropicClientUsage(44, 1472, 0, 23));
    const row = await gw.waitForRow(res);
    expect(row).toMatchObject({ promptTokens: 1516, cachedTokens: 1472, completionTokens: 23, estimated: false });
    expect(row.costUsd).toBeCloseTo((44 * 0.27 + 1472 * 0.07 + 23 * 1.1) / M, 12);
  });
});
