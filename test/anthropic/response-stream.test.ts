/** Anthropic JSON and SSE -> OpenAI completion and chunks: the pure translators. */
import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../src/errors/api-error';
import { parseAnthropicResponse } from '../../src/providers/anthropic/anthropic-response';
import { anthropicChatStream } from '../../src/providers/anthropic/anthropic-stream';
import type { StreamTally } from '../../src/providers/types';
import { fixtureText } from '../helpers/fake-upstream';
import { chunkErrors, completionErrors } from './chat-schema';
import { anthropicJson } from './fake-anthropic';

const ctx = { model: 'claude-sonnet-4-5', stream: true, clientWantsUsage: true };
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Runs the transformer over `pieces` (as network reads) and returns the chunks' JSON payloads. */
function run(pieces: Uint8Array[], c = ctx) {
  const tally: StreamTally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
  const t = anthropicChatStream(c, tally);
  let text = '';
  const controller = { enqueue: (b: Uint8Array) => void (text += dec.decode(b)) } as TransformStreamDefaultController<Uint8Array>;
  let error: unknown = null;
  try {
    for (const p of pieces) t.transform!(p, controller);
    t.flush!(controller);
  } catch (e) {
    error = e;
  }
  const payloads = text.split('\n\n').filter(Boolean).map((f) => f.replace(/^data: /, ''));
  return { payloads, tally, error };
}
const whole = (name: string) => [enc.encode(fixtureText('anthropic', name))];

describe('stream', () => {
  test('split at every byte boundary, a stream translates exactly as when read whole', () => {
    const bytes = enc.encode(fixtureText('anthropic', 'thinking-tool.sse'));
    const reference = run([bytes]).payloads.map((p) => p.replace(/"created":\d+/, ''));
    for (const size of [1, 2, 7, 64, 333]) {
      const pieces: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.slice(i, i + size));
      expect(run(pieces).payloads.map((p) => p.replace(/"created":\d+/, ''))).toEqual(reference);
    }
  });

  test('every chunk validates; usage from message_start and message_delta merged; [DONE] last', () => {
    const { payloads, tally } = run(whole('cache-read.sse'));
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p));
    for (const c of chunks) expect(chunkErrors(c)).toEqual([]);
    expect(tally.usage).toEqual({ input: 2362, cachedInput: 2048, cacheWrite: 300, output: 8, reasoning: 0 });
    expect(tally.finishReason).toBe('stop');
    expect(chunks.at(-1).usage.prompt_tokens).toBe(2362);
  });

  test('without include_usage there is no usage chunk, but the tally still has the usage', () => {
    const { payloads, tally } = run(whole('text.sse'), { ...ctx, clientWantsUsage: false });
    expect(payloads.filter((p) => p.includes('"usage"'))).toEqual([]);
    expect(tally.usage?.output).toBe(9);
  });

  test('CRLF framing works the same', () => {
    const crlf = enc.encode(fixtureText('anthropic', 'text.sse').replace(/\n/g, '\r\n'));
    const text = run([crlf]).payloads.slice(0, -1).map((p) => JSON.parse(p).choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('Once upon a time.');
  });

  test('refusal and max_tokens stop reasons; a redacted thinking block is passed on whole', () => {
    const events = (stop: string) =>
      [
        `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":3,"output_tokens":1}}}`,
        `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking","data":"EmwKAhgBEgy3"}}`,
        `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}`,
        `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"${stop}"},"usage":{"output_tokens":2}}`,
        `event: message_stop\ndata: {"type":"message_stop"}`,
      ].join('\n\n') + '\n\n';
    const refusal = run([enc.encode(events('refusal'))]);
    const chunks = refusal.payloads.slice(0, -1).map((p) => JSON.parse(p));
    expect(chunks.flatMap((c) => c.choices[0]?.delta?.thinking_blocks ?? [])).toEqual([{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3' }]);
    expect(refusal.tally.finishReason).toBe('content_filter');
    expect(run([enc.encode(events('max_tokens'))]).tally.finishReason).toBe('length');
  });

  test('an error event throws an UpstreamError after the chunks before it; not JSON is an error too', () => {
    const { payloads, error } = run(whole('error-midstream.sse'));
    expect(payloads.map((p) => JSON.parse(p).choices[0].delta.content ?? '').join('')).toBe('Once upon a time');
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).isRetryable).toBe(true);
    expect((error as UpstreamError).code).toBe('overloaded_error');
    const bad = run([enc.encode('event: message_start\ndata: {not json\n\n')]);
    expect(bad.error).toBeInstanceOf(UpstreamError);
  });
});

describe('JSON', () => {
  test('text, thinking and tool use; usage; refusal null; valid against OpenAI\'s schema', () => {
    const { completion, usage } = parseAnthropicResponse(anthropicJson('thinking-tool.json'), ctx);
    expect(completionErrors(completion)).toEqual([]);
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]!.message.refusal).toBeNull();
    expect(usage).toEqual({ input: 472, cachedInput: 0, cacheWrite: 0, output: 89, reasoning: 0 });
  });

  test('stop reasons map to finish reasons', () => {
    const finish = (stop_reason: string | null, content: unknown[] = [{ type: 'text', text: 'x' }]) =>
      parseAnthropicResponse({ id: 'msg_1', content, stop_reason, usage: { input_tokens: 1, output_tokens: 1 } }, ctx).completion.choices[0]!.finish_reason;
    expect(finish('end_turn')).toBe('stop');
    expect(finish('stop_sequence')).toBe('stop');
    expect(finish('pause_turn')).toBe('length'); // not done: an agent loop must not take it for the end
    expect(finish('max_tokens')).toBe('length');
    expect(finish('model_context_window_exceeded')).toBe('length');
    expect(finish('tool_use', [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }])).toBe('tool_calls');
    expect(finish('refusal')).toBe('content_filter');
  });

  test('a loose body never throws: missing fields give an empty, valid completion', () => {
    for (const body of [null, {}, { content: 'nope' }, { content: [null, 1, { type: 'server_tool_use' }] }, { usage: 'x' }]) {
      const { completion } = parseAnthropicResponse(body, ctx);
      expect(completionErrors(completion)).toEqual([]);
      expect(completion.choices[0]!.message.content).toBe('');
    }
  });
});
