/**
 * What the official SDK assembles from a translated stream (`messages.stream().finalMessage()`)
 * must be the message the same upstream answer gives without streaming: content blocks (thinking,
 * text, every parallel tool_use with its id and input), stop_reason, stop_sequence and usage. For
 * each provider's recorded tool and thinking answers, and for OpenAI's wire cut the hard ways:
 * arguments a character a time, a character split between two deltas (a UTF-16 surrogate pair)
 * and between two network reads (its UTF-8 bytes), then max_tokens and a refusal.
 */
import { expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, readChunks, sseResponse } from '../helpers/fake-upstream';
import { piecesResponse } from '../helpers/stream-pieces';
import { comparable, expectAnthropicOrder, foldChatChunks, foldGeminiChunks, parseSse, weatherTool } from './messages-helpers';
import { streamed, useTranslatedRig, type TranslatedId, type TranslatedRig } from './translated-rig';

let rig: TranslatedRig;
useTranslatedRig((r) => (rig = r));

/** The SDK's streamed message and the JSON one for the same request: equal, ids included. */
async function expectParity(params: Anthropic.MessageCreateParamsNonStreaming): Promise<Anthropic.Message> {
  const whole = await rig.client.messages.create(params);
  const raw = await rig.gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ ...params, stream: true }) });
  expectAnthropicOrder(parseSse(await raw.text()));
  const final = await rig.client.messages.stream(params).finalMessage();
  expect(comparable(final)).toEqual(comparable(whole));
  // The upstream's call ids: the same in both. Gemini sends none: the gateway's own (call_ and 24
  // random hex) differ, while the thought signature they carry must not.
  const ids = (m: Anthropic.Message) => m.content.flatMap((b) => (b.type === 'tool_use' ? [b.id.replace(/^call_[0-9a-f]{24}/, 'call_')] : []));
  expect(ids(final)).toEqual(ids(whole));
  return whole;
}

const RECORDED: { id: TranslatedId; model: string; fixture: string; thinking: boolean }[] = [
  { id: 'openai', model: 'openai/gpt-4o-mini', fixture: 'tools.chunks.txt', thinking: false },
  { id: 'deepseek', model: 'deepseek/deepseek-reasoner', fixture: 'reasoner-tools.chunks.txt', thinking: true },
  { id: 'moonshot', model: 'moonshot/kimi-k2-0905-preview', fixture: 'thinking-tools.chunks.txt', thinking: true },
  { id: 'grok', model: 'grok/grok-3-mini', fixture: 'tools.chunks.txt', thinking: false },
  { id: 'ollama', model: 'ollama/qwen3:8b', fixture: 'tools.chunks.txt', thinking: false },
  { id: 'gemini', model: 'gemini/gemini-3-pro-preview', fixture: 'tool-call-gemini3.chunks.txt', thinking: true },
  { id: 'gemini', model: 'gemini/gemini-3-pro-preview', fixture: 'tool-call-late-signature.chunks.txt', thinking: true },
];

for (const c of RECORDED) {
  test(`${c.id} ${c.fixture}: finalMessage() equals the JSON answer, ${c.thinking ? 'thinking and ' : ''}both parallel calls`, async () => {
    rig.play(c.id, c.fixture);
    const m = await expectParity({
      model: c.model,
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }],
    });
    expect(m.content.map((b) => b.type as string)).toEqual([...(c.thinking ? ['thinking'] : []), 'tool_use', 'tool_use']);
    expect(m.content.flatMap((b) => (b.type === 'tool_use' ? [(b.input as any).city] : []))).toEqual(['Paris', 'Tokyo']);
    expect(m.stop_reason).toBe('tool_use');
    expect(m.usage.output_tokens).toBeGreaterThan(0);
  });
}

// OpenAI's chunk envelope (test/fixtures/openai/tools.chunks.txt) around the deltas of each case.
const envelope = { id: 'chatcmpl-CGx2TooLs8pQ1wErTy6uI0oP9lKjH', object: 'chat.completion.chunk', created: 1757924400, model: 'gpt-4o-2024-08-06', service_tier: 'default', system_fingerprint: 'fp_f33640a400' };
const chunk = (delta: object, finish: string | null = null) => JSON.stringify({ ...envelope, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null });
const usage = JSON.stringify({ ...envelope, choices: [], usage: { prompt_tokens: 82, completion_tokens: 46, total_tokens: 128 } });
const call = (index: number, id: string, args: string) => ({ tool_calls: [{ index, id, type: 'function', function: { name: 'get_weather', arguments: args } }] });
const more = (index: number, args: string) => ({ tool_calls: [{ index, function: { arguments: args } }] });

/** The fake answers the OpenAI request with these payloads, streamed or folded into one JSON. */
function openaiAnswers(payloads: string[], stream: () => Response = () => sseResponse(payloads)): void {
  rig.fakes.get('openai')!.handler = (_r, rec) => (streamed('openai', rec) ? stream() : jsonResponse(foldChatChunks(payloads)));
}
const ask = { model: 'openai/gpt-4o-mini', max_tokens: 500, tools: [weatherTool], messages: [{ role: 'user' as const, content: 'Weather?' }] };

test('OpenAI: text, then parallel calls whose arguments come a character a time (unicode, an emoji split between deltas)', async () => {
  const args = JSON.stringify({ city: 'Zürich ✓ 東京 🎉', days: [1, 2] });
  // JS strings are UTF-16: the emoji's two halves go out in two deltas, as a server cutting tokens may send them.
  const pieces = Array.from({ length: args.length }, (_, i) => args[i]!);
  openaiAnswers([
    chunk({ role: 'assistant', content: 'Checking 🎉'.slice(0, 10), refusal: null }),
    chunk({ content: 'Checking 🎉'.slice(10) }),
    chunk(call(0, 'call_Kx9mPa2QwErT', '')),
    ...pieces.map((p) => chunk(more(0, p))),
    chunk(call(1, 'call_Lm3nQb7ZxCvB', '{"city":')),
    chunk(more(1, ' "Oslo"}')),
    chunk({}, 'tool_calls'),
    usage,
    '[DONE]',
  ]);
  const m = await expectParity(ask);
  expect(m.content as unknown[]).toEqual([
    { type: 'text', text: 'Checking 🎉', citations: null },
    { type: 'tool_use', id: 'call_Kx9mPa2QwErT', name: 'get_weather', input: { city: 'Zürich ✓ 東京 🎉', days: [1, 2] } , caller: { type: 'direct' } },
    { type: 'tool_use', id: 'call_Lm3nQb7ZxCvB', name: 'get_weather', input: { city: 'Oslo' } , caller: { type: 'direct' } },
  ]);
  expect(m.stop_reason).toBe('tool_use');
  expect(m.usage).toMatchObject({ input_tokens: 82, output_tokens: 46 });
});

test('OpenAI: the body read three bytes at a time (characters cut between reads) assembles the same message', async () => {
  const payloads = [chunk({ role: 'assistant', content: 'Grüße aus 東京 🎉', refusal: null }), chunk(call(0, 'call_Kx9mPa2QwErT', '{"city": "Zürich"}')), chunk({}, 'tool_calls'), usage, '[DONE]'];
  const bytes = new TextEncoder().encode(payloads.map((p) => `data: ${p}\n\n`).join(''));
  openaiAnswers(payloads, () => piecesResponse(Array.from({ length: Math.ceil(bytes.length / 3) }, (_, i) => bytes.slice(i * 3, i * 3 + 3))));
  const m = await expectParity(ask);
  expect(m.content[0]).toEqual({ type: 'text', text: 'Grüße aus 東京 🎉', citations: null });
  expect((m.content[1] as Anthropic.ToolUseBlock).input).toEqual({ city: 'Zürich' });
});

test('OpenAI: finish_reason length is max_tokens, the text kept (stream and JSON)', async () => {
  openaiAnswers([chunk({ role: 'assistant', content: 'The weather in Par', refusal: null }), chunk({}, 'length'), usage, '[DONE]']);
  const m = await expectParity(ask);
  expect(m).toMatchObject({ stop_reason: 'max_tokens', stop_sequence: null, content: [{ type: 'text', text: 'The weather in Par' }] });
});

test("OpenAI: a refusal is the refusal's text with stop_reason refusal (stream and JSON)", async () => {
  const words = "I'm sorry, I can't help with that.";
  const payloads = [chunk({ role: 'assistant', content: null, refusal: '' }), chunk({ refusal: words.slice(0, 9) }), chunk({ refusal: words.slice(9) }), chunk({}, 'stop'), usage, '[DONE]'];
  const json = foldChatChunks(payloads);
  json.choices[0].message = { role: 'assistant', content: null, refusal: words };
  rig.fakes.get('openai')!.handler = (_r, rec) => (streamed('openai', rec) ? sseResponse(payloads) : jsonResponse(json));
  const m = await expectParity(ask);
  expect(m).toMatchObject({ stop_reason: 'refusal', stop_sequence: null, content: [{ type: 'text', text: words }] });
});

for (const [finish, stop] of [['MAX_TOKENS', 'max_tokens'], ['SAFETY', 'refusal']] as const) {
  test(`Gemini: finishReason ${finish} is ${stop} (stream and JSON)`, async () => {
    const lines = readChunks('gemini', 'text.chunks.txt').map((l) => l.replace('"finishReason":"STOP"', `"finishReason":"${finish}"`));
    rig.fakes.get('gemini')!.handler = (_r, rec) => (streamed('gemini', rec) ? sseResponse(lines) : jsonResponse(foldGeminiChunks(lines)));
    const m = await expectParity({ model: 'gemini/gemini-2.5-flash', max_tokens: 300, messages: [{ role: 'user', content: 'How many r in strawberry?' }] });
    expect(m.stop_reason).toBe(stop);
    expect(m.stop_sequence).toBeNull();
    expect(m.content.at(-1)!.type).toBe('text');
  });
}
