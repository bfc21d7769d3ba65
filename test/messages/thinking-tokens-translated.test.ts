/**
 * POST /v1/messages answered by a provider that reports its reasoning (DeepSeek's and xAI's
 * reasoning_tokens, Gemini's thoughtsTokenCount): the Anthropic-shaped usage tells it as Anthropic
 * does, `output_tokens_details.thinking_tokens` (part of output_tokens), in the JSON message and in
 * message_delta's usage, which the official SDK's final message takes; message_start, whose output
 * is 0, carries none. An answer without reasoning has no such field. The row's reasoning column
 * holds the same count.
 */
import { describe, expect, test } from 'bun:test';
import { useTranslatedRig, type TranslatedId, type TranslatedRig } from './translated-rig';
import { parseSse } from './messages-helpers';

let rig: TranslatedRig;
useTranslatedRig((r) => (rig = r));

const ask = (model: string) => ({ model, max_tokens: 4000, messages: [{ role: 'user' as const, content: 'Hi' }] });

/** Each recording's output and reasoning as the upstream reported them (xAI and Gemini count reasoning beside the output: added in). */
const CASES: { id: TranslatedId; model: string; output: number; thinking: number }[] = [
  { id: 'deepseek', model: 'deepseek/deepseek-reasoner', output: 58, thinking: 49 },
  { id: 'grok', model: 'grok/grok-3-mini', output: 9 + 94, thinking: 94 },
  { id: 'gemini', model: 'gemini/gemini-2.5-flash', output: 27 + 412, thinking: 412 },
];

describe('translated answers tell the upstream reasoning as thinking_tokens', () => {
  for (const c of CASES) {
    test(`${c.id}: JSON message usage, and the row`, async () => {
      rig.play(c.id, 'text.chunks.txt');
      const { data, response } = await rig.client.messages.create(ask(c.model)).withResponse();
      expect(data.usage).toMatchObject({ output_tokens: c.output, output_tokens_details: { thinking_tokens: c.thinking } });
      const row = await rig.gw.waitForRow(response);
      expect(row).toMatchObject({ endpoint: 'messages', provider: c.id, completionTokens: c.output, reasoningTokens: c.thinking });
    });

    test(`${c.id}: stream — message_delta carries it, message_start not; the SDK's final message has it`, async () => {
      rig.play(c.id, 'text.chunks.txt');
      const res = await rig.gw.fetch('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...ask(c.model), stream: true }) });
      const events = parseSse(await res.text());
      expect(events.find((e) => e.type === 'message_start').message.usage.output_tokens_details).toBeUndefined();
      expect(events.find((e) => e.type === 'message_delta').usage).toMatchObject({ output_tokens: c.output, output_tokens_details: { thinking_tokens: c.thinking } });
      expect(await rig.gw.waitForRow(res)).toMatchObject({ stream: true, reasoningTokens: c.thinking });

      const stream = rig.client.messages.stream(ask(c.model));
      const final = await stream.finalMessage();
      expect(final.usage.output_tokens).toBe(c.output);
      expect(final.usage.output_tokens_details).toEqual({ thinking_tokens: c.thinking });
    });
  }

  test('an answer without reasoning (gpt-4o-mini, reasoning_tokens 0): no output_tokens_details, JSON or stream', async () => {
    rig.play('openai', 'text.chunks.txt');
    const data = await rig.client.messages.create(ask('openai/gpt-4o-mini'));
    expect(data.usage.output_tokens).toBe(9);
    expect(data.usage).not.toHaveProperty('output_tokens_details');
    const res = await rig.gw.fetch('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...ask('openai/gpt-4o-mini'), stream: true }) });
    const delta = parseSse(await res.text()).find((e) => e.type === 'message_delta');
    expect(delta.usage).toEqual({ input_tokens: 19, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 9 });
  });
});
