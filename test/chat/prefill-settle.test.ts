/**
 * The pure parts of prefill (prefill.ts, deepseek-beta-url.ts): which base URL serves DeepSeek's
 * prefix completion (never a rewrite of a base URL the operator pointed elsewhere), and how a
 * body's flags are settled for each provider without touching the client's request.
 */
import { expect, test } from 'bun:test';
import { deepseekBetaBaseUrl } from '../../src/providers/deepseek/deepseek-beta-url';
import { endsInPrefill, settlePrefill } from '../../src/providers/openai-compatible/prefill';
import type { ProviderSettings } from '../../src/providers/types';

const DEFAULT = 'https://api.deepseek.com/v1';
const settings = (baseUrl: string, betaBaseUrl?: string): ProviderSettings => ({ id: 'deepseek', enabled: true, baseUrl, ...(betaBaseUrl ? { betaBaseUrl } : {}) });

test("DeepSeek's beta base URL: derived only from DeepSeek's own host, else only when set", () => {
  expect(deepseekBetaBaseUrl(settings('https://api.deepseek.com/v1'), DEFAULT)).toBe('https://api.deepseek.com/beta');
  expect(deepseekBetaBaseUrl(settings('https://api.deepseek.com'), DEFAULT)).toBe('https://api.deepseek.com/beta');
  expect(deepseekBetaBaseUrl(settings('https://api.deepseek.com/'), DEFAULT)).toBe('https://api.deepseek.com/beta');
  expect(deepseekBetaBaseUrl(settings(''), DEFAULT)).toBe('https://api.deepseek.com/beta');
  // Anything else is the operator's: never rewritten to another path or host.
  for (const other of ['https://relay.example.com/v1', 'http://api.deepseek.com/v1', 'https://api.deepseek.com:8443/v1', 'https://api.deepseek.com/proxy/v1', 'https://api.deepseek.com.evil.example/v1', 'http://127.0.0.1:9/v1']) {
    expect(deepseekBetaBaseUrl(settings(other), DEFAULT)).toBeUndefined();
  }
  // The setting wins over both.
  expect(deepseekBetaBaseUrl(settings('https://relay.example.com/v1', 'https://relay.example.com/beta'), DEFAULT)).toBe('https://relay.example.com/beta');
});

const convo = (last: Record<string, unknown>): Record<string, unknown>[] => [{ role: 'user', content: 'q' }, { role: 'assistant', ...last }];

test('endsInPrefill: a flagged final assistant message with text and no tool calls', () => {
  expect(endsInPrefill(convo({ content: 'The', partial: true }))).toBe(true);
  expect(endsInPrefill(convo({ content: [{ type: 'text', text: 'The' }], prefix: true }))).toBe(true);
  expect(endsInPrefill(convo({ content: 'The' }))).toBe(false);
  expect(endsInPrefill(convo({ content: 'The', partial: false }))).toBe(false);
  expect(endsInPrefill(convo({ content: '', partial: true }))).toBe(false);
  expect(endsInPrefill(convo({ content: null, partial: true, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }))).toBe(false);
  expect(endsInPrefill([{ role: 'user', content: 'q', partial: true }])).toBe(false);
});

test("settlePrefill: the provider's flag alone, copied; the client's messages unchanged; none for a provider without prefill", () => {
  const messages = convo({ content: 'The', partial: true, prefix: true });
  const body: Record<string, any> = { messages };
  const base = settlePrefill(body, { flag: 'prefix', baseUrl: () => 'https://api.deepseek.com/beta' }, settings(DEFAULT), DEFAULT);
  expect(base).toBe('https://api.deepseek.com/beta');
  expect(body.messages.at(-1)).toEqual({ role: 'assistant', content: 'The', prefix: true });
  expect(messages.at(-1)).toEqual({ role: 'assistant', content: 'The', partial: true, prefix: true });

  const kimi: Record<string, any> = { messages: convo({ content: 'The', partial: true }) };
  const before = kimi.messages;
  expect(settlePrefill(kimi, { flag: 'partial' }, { id: 'moonshot', enabled: true, baseUrl: 'https://api.moonshot.ai/v1' }, 'x')).toBe('https://api.moonshot.ai/v1');
  expect(kimi.messages).toBe(before);

  const none: Record<string, any> = { messages: convo({ content: 'The', partial: true }) };
  expect(settlePrefill(none, undefined, { id: 'openai', enabled: true, baseUrl: 'https://api.openai.com/v1' }, 'x')).toBeUndefined();
  expect(none.messages.at(-1)).toEqual({ role: 'assistant', content: 'The' });

  // DeepSeek at a base URL with no beta API: the prefill goes up as a past turn, on the configured URL.
  const relay: Record<string, any> = { messages: convo({ content: 'The', prefix: true }) };
  expect(settlePrefill(relay, { flag: 'prefix', baseUrl: deepseekBetaBaseUrl }, settings('https://relay.example.com/v1'), DEFAULT)).toBeUndefined();
  expect(relay.messages.at(-1)).toEqual({ role: 'assistant', content: 'The' });
});
