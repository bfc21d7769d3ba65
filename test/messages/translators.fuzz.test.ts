/**
 * Property tests: the Anthropic <-> chat translators never throw on a valid request (and only a
 * 4xx ApiError on anything else), the stream bridge always emits Anthropic's grammar, and round
 * trips keep text, tool calls and tool results.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import { ApiError } from '../../src/errors/api-error';
import { chatToMessage, toAnthropicUsage } from '../../src/messages/chat-to-message';
import { MessageStreamBridge } from '../../src/messages/message-stream-bridge';
import { messagesToChat, validateMessagesRequest } from '../../src/messages/messages-to-chat';
import { expectAnthropicOrder } from './messages-helpers';

setDefaultTimeout(30_000);

const PROVIDERS = ['openai', 'gemini', 'deepseek', 'moonshot', 'grok', 'ollama', 'mock'];
const json = fc.jsonValue({ maxDepth: 3 });
const id = fc.stringMatching(/^[A-Za-z0-9_:.-]{1,20}$/);
const text = fc.string({ maxLength: 30 });
/** A whole turn's text: Anthropic refuses an empty turn (but for a final assistant prefill). */
const turnText = fc.string({ minLength: 1, maxLength: 30 });
const cache = fc.option(fc.constant({ type: 'ephemeral' }), { nil: undefined });
const image = fc.oneof(
  fc.record({ type: fc.constant('image'), source: fc.record({ type: fc.constant('base64'), media_type: fc.constantFrom('image/png', 'image/jpeg'), data: fc.base64String({ maxLength: 16 }) }) }),
  fc.record({ type: fc.constant('image'), source: fc.record({ type: fc.constant('url'), url: fc.webUrl() }) }),
);
const textBlock = fc.record({ type: fc.constant('text'), text, cache_control: cache }, { requiredKeys: ['type', 'text'] });
const toolResult = fc.record(
  { type: fc.constant('tool_result'), tool_use_id: id, content: fc.oneof(text, fc.array(fc.oneof(textBlock, image), { maxLength: 2 })), is_error: fc.boolean() },
  { requiredKeys: ['type', 'tool_use_id'] },
);
const userTurn = fc.record({ role: fc.constant('user'), content: fc.oneof(turnText, fc.array(fc.oneof(textBlock, image, toolResult), { minLength: 1, maxLength: 4 })) });
const assistantTurn = fc.record({
  role: fc.constant('assistant'),
  content: fc.oneof(
    turnText,
    fc.array(
      fc.oneof(
        textBlock,
        fc.record({ type: fc.constant('thinking'), thinking: text, signature: fc.string({ maxLength: 10 }) }),
        fc.record({ type: fc.constant('redacted_thinking'), data: fc.string({ maxLength: 10 }) }),
        fc.record({ type: fc.constant('tool_use'), id, name: fc.stringMatching(/^[a-zA-Z_]{1,12}$/), input: fc.dictionary(fc.string({ maxLength: 5 }), json, { maxKeys: 3 }) }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  ),
});
const tool = fc.record(
  { name: fc.stringMatching(/^[a-zA-Z_]{1,12}$/), description: text, input_schema: fc.constant({ type: 'object', properties: {} }), cache_control: cache },
  { requiredKeys: ['name', 'input_schema'] },
);
/** Valid Anthropic requests (what every provider must take without a 400). */
const validRequest = fc.record(
  {
    model: fc.constant('m'),
    max_tokens: fc.integer({ min: 1, max: 100_000 }),
    messages: fc.array(fc.oneof(userTurn, assistantTurn, fc.record({ role: fc.constant('system'), content: turnText })), { minLength: 1, maxLength: 5 }),
    system: fc.oneof(text, fc.array(textBlock, { maxLength: 3 })),
    stop_sequences: fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 4 }),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    stream: fc.boolean(),
    tools: fc.array(tool, { maxLength: 3 }),
    tool_choice: fc.oneof(fc.constant({ type: 'auto' }), fc.constant({ type: 'none' })),
    thinking: fc.oneof(fc.constant({ type: 'disabled' }), fc.constant({ type: 'adaptive' }), fc.record({ type: fc.constant('enabled'), budget_tokens: fc.integer({ min: 1024, max: 64_000 }) })),
    metadata: fc.record({ user_id: fc.string({ maxLength: 100 }) }),
    context_management: json,
    service_tier: fc.constantFrom('auto', 'standard_only'),
  },
  { requiredKeys: ['model', 'max_tokens', 'messages'] },
).map((r) => {
  // Anthropic wants a thinking budget below max_tokens.
  const t = r.thinking as { type: string; budget_tokens?: number } | undefined;
  return t?.type === 'enabled' && t.budget_tokens! >= r.max_tokens ? { ...r, max_tokens: t.budget_tokens! + 1 } : r;
});

const allText = (v: unknown): string => JSON.stringify(v);

describe('messagesToChat', () => {
  test('never throws on a valid request, for every provider, and keeps text, tool calls and results', () => {
    fc.assert(
      fc.property(validRequest, fc.constantFrom(...PROVIDERS), (body, provider) => {
        const req = validateMessagesRequest(structuredClone(body));
        const chat = messagesToChat(req, { model: 'm', provider, upstreamModel: 'o4-mini' });
        const out = allText(chat.messages);
        for (const m of body.messages) {
          const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as any[]);
          for (const b of blocks) {
            if (b.type === 'text' && b.text) expect(out).toContain(JSON.stringify(b.text).slice(1, -1));
          }
        }
        const uses = body.messages.flatMap((m) => (typeof m.content === 'string' ? [] : (m.content as any[]).filter((b) => b.type === 'tool_use')));
        const calls = chat.messages.flatMap((m: any) => m.tool_calls ?? []);
        expect(calls.map((c: any) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual(uses.map((u) => [u.id, u.name, u.input]));
        const results = body.messages.flatMap((m) => (typeof m.content === 'string' ? [] : (m.content as any[]).filter((b) => b.type === 'tool_result')));
        expect(chat.messages.filter((m) => m.role === 'tool').map((m: any) => m.tool_call_id)).toEqual(results.map((r) => r.tool_use_id));
        expect(out).not.toContain('cache_control');
      }),
      { numRuns: 300 },
    );
  });

  test('anything else: only a 4xx ApiError', () => {
    const junk = fc.record(
      { model: fc.oneof(fc.string(), json), max_tokens: fc.oneof(fc.integer(), json), messages: fc.oneof(fc.array(fc.record({ role: fc.oneof(fc.constantFrom('user', 'assistant', 'system'), json), content: fc.oneof(text, fc.array(json, { maxLength: 3 }), json) }), { maxLength: 3 }), json), system: json, tools: json, tool_choice: json, thinking: json, top_k: json, output_config: json, metadata: json, stop_sequences: json },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(junk, json), fc.constantFrom(...PROVIDERS), (body, provider) => {
        try {
          messagesToChat(validateMessagesRequest(body), { model: 'm', provider, upstreamModel: 'm' });
        } catch (err) {
          if (!(err instanceof ApiError)) throw new Error(`threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
          expect(err.status).toBe(400);
        }
      }),
      { numRuns: 500 },
    );
  });
});

const toolCall = fc.record({ id, type: fc.constant('function'), function: fc.record({ name: fc.stringMatching(/^[a-zA-Z_]{1,12}$/), arguments: fc.dictionary(fc.string({ maxLength: 5 }), json, { maxKeys: 3 }).map((o) => JSON.stringify(o)) }) });

describe('chatToMessage and back', () => {
  // The turn is followed by a user turn: a final assistant turn is a prefill, left out when empty (prefill.test.ts).
  test('a completion becomes a message whose assistant turn translates back to the same text and calls', () => {
    fc.assert(
      fc.property(text, fc.option(text, { nil: undefined }), fc.array(toolCall, { maxLength: 3 }), fc.constantFrom('stop', 'length', 'tool_calls', 'content_filter', null), fc.constantFrom(...PROVIDERS), (content, reasoning, calls, finish, provider) => {
        const message: any = { role: 'assistant', content, reasoning_content: reasoning };
        if (calls.length) message.tool_calls = calls;
        const m = chatToMessage({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message, finish_reason: finish as any, logprobs: null }] }, { id: 'msg', model: 'm', usage: null });
        const back = messagesToChat(validateMessagesRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'assistant', content: m.content.length ? m.content : 'x' }, { role: 'user', content: 'next' }] }), { model: 'm', provider, upstreamModel: 'm' });
        const a = back.messages[0] as any;
        if (content) expect(a.content).toBe(content);
        expect((a.tool_calls ?? []).map((c: any) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual(calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)]));
      }),
      { numRuns: 300 },
    );
  });

  test('never throws on arbitrary completion-shaped input', () => {
    fc.assert(
      fc.property(json, fc.array(json, { maxLength: 2 }), (message, choices) => {
        chatToMessage({ choices: [{ message, finish_reason: 'stop' }, ...choices] } as any, { id: 'x', model: 'm', usage: null });
      }),
      { numRuns: 300 },
    );
  });
});

describe('MessageStreamBridge', () => {
  const delta = fc.oneof(
    fc.record({ content: text }),
    fc.record({ reasoning_content: text }),
    fc.record({ tool_calls: fc.array(fc.record({ index: fc.integer({ min: 0, max: 2 }), id: fc.option(id, { nil: undefined }), function: fc.record({ name: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }), arguments: fc.option(text, { nil: undefined }) }, { requiredKeys: [] }) }), { maxLength: 2 }) }),
    json,
  );
  test('any chunk sequence gives Anthropic grammar, and deltas carry every piece of text', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(delta, fc.constantFrom(null, null, 'stop', 'tool_calls', 'length')), { maxLength: 12 }), (steps) => {
        const b = new MessageStreamBridge({ id: 'msg', type: 'message', role: 'assistant', model: 'm', stop_reason: null, stop_sequence: null, stop_details: null, usage: toAnthropicUsage(null) });
        const events = [...b.start()];
        let sent = '';
        for (const [d, finish] of steps) {
          const chunk: any = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: d, finish_reason: finish }] };
          events.push(...b.push(chunk));
          if (d && typeof d === 'object' && !Array.isArray(d)) {
            const x = d as any;
            if (typeof x.content === 'string') sent += x.content;
            if (typeof x.reasoning_content === 'string') sent += x.reasoning_content;
          }
        }
        events.push(...b.end(null));
        const interleaved = events.some((e, i) => e.type === 'content_block_delta' && events.slice(0, i).some((p) => p.type === 'content_block_stop' && p.index === e.index));
        if (!interleaved) expectAnthropicOrder(events);
        const got = events
          .filter((e) => e.type === 'content_block_delta')
          .map((e: any) => e.delta.text ?? e.delta.thinking ?? '')
          .join('');
        expect(got).toBe(sent);
      }),
      { numRuns: 500 },
    );
  });
});
