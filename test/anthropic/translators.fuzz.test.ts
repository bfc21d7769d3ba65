/** Property tests: the Anthropic translators never throw on valid input, and keep content both ways. */
import { noDocumentFetch } from '../gemini/helpers';
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import { buildAnthropicRequest } from '../../src/providers/anthropic/anthropic-request';
import { parseAnthropicResponse } from '../../src/providers/anthropic/anthropic-response';
import { anthropicChatStream } from '../../src/providers/anthropic/anthropic-stream';
import type { AdapterDeps, ChatRequest, StreamTally } from '../../src/providers/types';

setDefaultTimeout(60_000);

const deps: AdapterDeps = { fetchImage: async () => ({ mimeType: 'image/png', base64: 'iVBORw0KGgo=' }), fetchDocument: noDocumentFetch };
const ctx = { model: 'claude-sonnet-4-5', stream: false, clientWantsUsage: true };
// Not whitespace alone: such a text goes to Anthropic as nothing (it refuses a blank text block), a rule of its own test.
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== '');
const json = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4 });
const thinking = fc.record({ type: fc.constant('thinking'), thinking: text, signature: fc.base64String({ minLength: 4, maxLength: 40 }) });

/** A turn of a conversation: user text/parts, or an assistant turn with optional calls (answered by tool messages). */
const turn = fc.oneof(
  fc.record({ kind: fc.constant('user' as const), parts: fc.array(fc.oneof(text, fc.constant('<image>')), { minLength: 1, maxLength: 3 }) }),
  fc.record({
    kind: fc.constant('assistant' as const),
    text: fc.option(text, { nil: null }),
    calls: fc.array(fc.record({ name: fc.stringMatching(/^[a-z_]{1,12}$/), args: json, result: text }), { maxLength: 3 }),
    thinking: fc.array(thinking, { maxLength: 2 }),
  }),
);

describe('chat -> Anthropic', () => {
  test('any valid conversation translates; roles alternate; every text, call and result is kept in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(text, { nil: null }), fc.array(turn, { minLength: 1, maxLength: 6 }), fc.constantFrom(undefined, 'low', 'high'), async (system, turns, effort) => {
        const messages: any[] = system ? [{ role: 'system', content: system }] : [];
        const wantTexts: string[] = [];
        const wantCalls: string[] = [];
        let n = 0;
        for (const t of turns) {
          if (t.kind === 'user') {
            messages.push({ role: 'user', content: t.parts.map((p) => (p === '<image>' ? { type: 'image_url', image_url: { url: 'https://img.test/a.png' } } : { type: 'text', text: p })) });
            wantTexts.push(...t.parts.filter((p) => p !== '<image>'));
          } else {
            const calls = t.calls.map((c) => ({ id: `call_${n++}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } }));
            if (!t.text && calls.length === 0) continue;
            messages.push({ role: 'assistant', content: t.text, ...(calls.length ? { tool_calls: calls } : {}), ...(t.thinking.length ? { thinking_blocks: t.thinking } : {}) });
            if (t.text) wantTexts.push(t.text);
            t.calls.forEach((c, k) => {
              messages.push({ role: 'tool', tool_call_id: calls[k]!.id, content: c.result });
              wantCalls.push(calls[k]!.id);
            });
          }
        }
        if (!messages.some((m) => m.role !== 'system')) return;
        // A final assistant turn is a prefill: its text goes out trimmed at its end, dropped when that empties it.
        const last = messages[messages.length - 1];
        if (last.role === 'assistant' && !last.tool_calls && last.content) {
          const trimmed = last.content.trimEnd();
          if (trimmed) wantTexts[wantTexts.length - 1] = trimmed;
          else wantTexts.pop();
          if (!trimmed && !last.thinking_blocks && !messages.slice(0, -1).some((m) => m.role !== 'system')) {
            // Nothing is left to send: a 400, not a request Anthropic would refuse.
            const err = await buildAnthropicRequest({ model: 'm', messages } as ChatRequest, ctx, deps).then(() => null, (e) => e);
            expect(err?.status).toBe(400);
            return;
          }
        }
        const body = await buildAnthropicRequest({ model: 'm', messages, reasoning_effort: effort } as ChatRequest, ctx, deps);
        body.messages.forEach((m, i) => i > 0 && expect(m.role).not.toBe(body.messages[i - 1]!.role));
        const blocks = body.messages.flatMap((m) => m.content);
        expect(blocks.filter((b) => b.type === 'text').map((b: any) => b.text)).toEqual(wantTexts);
        expect(blocks.filter((b) => b.type === 'tool_use').map((b: any) => b.id)).toEqual(wantCalls);
        expect(blocks.filter((b) => b.type === 'tool_result').map((b: any) => b.tool_use_id)).toEqual(wantCalls);
        for (const m of body.messages) {
          const firstOther = m.content.findIndex((b) => b.type !== 'thinking');
          if (firstOther >= 0) expect(m.content.slice(firstOther).some((b) => b.type === 'thinking')).toBe(false);
        }
        if (body.thinking) expect(body.max_tokens).toBeGreaterThan((body.thinking as any).budget_tokens);
      }),
      { numRuns: 300 },
    );
  });
});

/** Anthropic's SSE for a message, as its API streams it (text and thinking in pieces, tool input as JSON pieces). */
function toSse(msg: { content: any[]; stop_reason: string }, cut: number): string {
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const pieces = (s: string) => (s.length <= cut ? [s] : [s.slice(0, cut), s.slice(cut)]);
  let out = ev('message_start', { message: { id: 'msg_fuzz', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 5, output_tokens: 1 } } });
  msg.content.forEach((b, index) => {
    if (b.type === 'text') {
      out += ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const p of pieces(b.text)) out += ev('content_block_delta', { index, delta: { type: 'text_delta', text: p } });
    } else if (b.type === 'thinking') {
      out += ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      for (const p of pieces(b.thinking)) out += ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: p } });
      out += ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: b.signature } });
    } else {
      out += ev('content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
      for (const p of pieces(JSON.stringify(b.input))) out += ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } });
    }
    out += ev('content_block_stop', { index });
  });
  out += ev('message_delta', { delta: { stop_reason: msg.stop_reason }, usage: { output_tokens: 7 } });
  return out + ev('message_stop', {});
}

describe('Anthropic -> chat', () => {
  const block = fc.oneof(
    fc.record({ type: fc.constant('text'), text }),
    thinking,
    fc.record({ type: fc.constant('tool_use'), id: fc.stringMatching(/^toolu_[A-Za-z0-9]{4,10}$/), name: fc.stringMatching(/^[a-z_]{1,10}$/), input: json }),
  );

  test('the JSON answer and the stream of the same message give the same content, reasoning, signatures and calls', async () => {
    fc.assert(
      fc.property(fc.array(block, { maxLength: 5 }), fc.constantFrom('end_turn', 'tool_use', 'max_tokens', 'refusal'), fc.integer({ min: 1, max: 12 }), (content, stop_reason, cut) => {
        const msg = { id: 'msg_fuzz', type: 'message', content, stop_reason, usage: { input_tokens: 5, output_tokens: 7 } };
        const { completion } = parseAnthropicResponse(msg, ctx);
        const m = completion.choices[0]!.message as any;

        const tally: StreamTally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
        const t = anthropicChatStream({ ...ctx, stream: true }, tally);
        let raw = '';
        const controller = { enqueue: (b: Uint8Array) => void (raw += new TextDecoder().decode(b)) } as TransformStreamDefaultController<Uint8Array>;
        t.transform!(new TextEncoder().encode(toSse({ content, stop_reason }, cut)), controller);
        t.flush!(controller);
        const chunks = raw.split('\n\n').filter((f) => f && f !== 'data: [DONE]').map((f) => JSON.parse(f.slice(6)));
        const deltas = chunks.map((c) => c.choices[0]?.delta ?? {});
        const streamed = deltas.map((d) => d.content ?? '').join('');
        expect(streamed).toBe(m.content ?? '');
        expect(deltas.map((d) => d.reasoning_content ?? '').join('')).toBe(m.reasoning_content ?? '');
        expect(deltas.flatMap((d) => d.thinking_blocks ?? [])).toEqual(m.thinking_blocks ?? []);
        const calls: { id: string; name: string; args: string }[] = [];
        for (const d of deltas) for (const tc of d.tool_calls ?? []) {
          if (tc.id) calls[tc.index] = { id: tc.id, name: tc.function.name, args: '' };
          calls[tc.index]!.args += tc.function.arguments;
        }
        expect(calls.map((c) => [c.id, c.name, JSON.parse(c.args)])).toEqual((m.tool_calls ?? []).map((c: any) => [c.id, c.function.name, JSON.parse(c.function.arguments)]));
        expect(tally.finishReason).toBe(completion.choices[0]!.finish_reason);
        expect(tally.usage).toEqual({ input: 5, cachedInput: 0, cacheWrite: 0, output: 7, reasoning: 0 });
      }),
      { numRuns: 300 },
    );
  });
});
