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
/** Text Anthropic takes in a block or a whole turn: not empty, not whitespace alone (but for a final assistant prefill). */
const turnText = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== '');
const cache = fc.option(fc.constant({ type: 'ephemeral' }), { nil: undefined });
const image = fc.oneof(
  fc.record({ type: fc.constant('image'), source: fc.record({ type: fc.constant('base64'), media_type: fc.constantFrom('image/png', 'image/jpeg'), data: fc.base64String({ minLength: 4, maxLength: 16 }) }) }),
  fc.record({ type: fc.constant('image'), source: fc.record({ type: fc.constant('url'), url: fc.webUrl() }) }),
);
const textBlock = fc.record({ type: fc.constant('text'), text: turnText, cache_control: cache }, { requiredKeys: ['type', 'text'] });
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
    stop_sequences: fc.array(fc.string({ minLength: 1, maxLength: 5 }).filter((s) => s.trim() !== ''), { maxLength: 4 }),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    stream: fc.boolean(),
    tools: fc.uniqueArray(tool, { maxLength: 3, selector: (t) => t.name }),
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
  const budgeted = t?.type === 'enabled' && t.budget_tokens! >= r.max_tokens ? { ...r, max_tokens: t.budget_tokens! + 1 } : r;
  return fourBreakpoints({ ...budgeted, messages: noTrailingSpace(paired(budgeted.messages)) });
});

/** Anthropic takes cache_control on 4 blocks at most: the rest are left without. */
function fourBreakpoints<T extends { messages: unknown[] }>(req: T): T {
  const r = req as any;
  let n = 0;
  const keep = (b: any) => (b?.cache_control && ++n > 4 ? (({ cache_control: _c, ...rest }) => rest)(b) : b);
  const blocks = (c: unknown) => (Array.isArray(c) ? c.map((b) => (b.type === 'tool_result' && Array.isArray(b.content) ? keep({ ...b, content: b.content.map(keep) }) : keep(b))) : c);
  return { ...r, system: blocks(r.system), tools: r.tools?.map(keep), messages: r.messages.map((m: any) => ({ ...m, content: blocks(m.content) })) } as T;
}

/**
 * Anthropic's tool pairing on a generated conversation: each user turn's tool_results re-pointed
 * at the calls of the assistant turn before it (extras dropped, missing ones added first).
 * Turns are consecutive messages of a role, `system`-role ones aside (check-content.ts).
 */
function paired(messages: any[]): any[] {
  const out = messages.map((m) => ({ ...m, content: typeof m.content === 'string' ? m.content : m.content.map((b: any) => ({ ...b })) }));
  const turns: any[][] = [];
  let role = '';
  for (const m of out) {
    if (m.role === 'system') continue;
    if (m.role !== role) turns.push([]);
    role = m.role;
    turns.at(-1)!.push(m);
  }
  let n = 0;
  let calls: string[] = [];
  for (const turn of turns) {
    if (turn[0].role === 'assistant') {
      calls = [];
      for (const m of turn) if (Array.isArray(m.content)) for (const b of m.content) if (b.type === 'tool_use') calls.push((b.id = `${b.id}_${n++}`));
      continue;
    }
    const left = calls;
    calls = [];
    for (const m of turn) {
      if (!Array.isArray(m.content)) continue;
      m.content = m.content.flatMap((b: any) => (b.type !== 'tool_result' ? [b] : left.length ? [{ ...b, tool_use_id: left.shift() }] : []));
      if (!m.content.length) m.content = [{ type: 'text', text: 'x' }];
    }
    const first = turn[0];
    if (left.length) first.content = [...left.map((id) => ({ type: 'tool_result', tool_use_id: id, content: 'ok' })), ...(typeof first.content === 'string' ? [{ type: 'text', text: first.content }] : first.content)];
  }
  return out;
}

/** A final assistant turn (a prefill) may not end in whitespace. */
function noTrailingSpace(messages: any[]): any[] {
  const last = messages.at(-1);
  if (last?.role !== 'assistant') return messages;
  const end = (t: string) => t.trimEnd() || 'x';
  const content = typeof last.content === 'string' ? end(last.content) : last.content.map((b: any, i: number, all: any[]) => (i === all.length - 1 && b.type === 'text' ? { ...b, text: end(b.text) } : b));
  return [...messages.slice(0, -1), { ...last, content }];
}

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
      fc.property(text, fc.option(text, { nil: undefined }), fc.uniqueArray(toolCall, { maxLength: 3, selector: (c) => c.id }), fc.constantFrom('stop', 'length', 'tool_calls', 'content_filter', null), fc.constantFrom(...PROVIDERS), (content, reasoning, calls, finish, provider) => {
        const message: any = { role: 'assistant', content, reasoning_content: reasoning };
        if (calls.length) message.tool_calls = calls;
        const m = chatToMessage({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message, finish_reason: finish as any, logprobs: null }] }, { id: 'msg', model: 'm', usage: null });
        // The client answers each call, as Anthropic requires.
        const results = m.content.flatMap((b) => (b.type === 'tool_use' ? [{ type: 'tool_result' as const, tool_use_id: b.id, content: 'ok' }] : []));
        const back = messagesToChat(validateMessagesRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'assistant', content: m.content.length ? m.content : 'x' }, { role: 'user', content: results.length ? results : 'next' }] }), { model: 'm', provider, upstreamModel: 'm' });
        const a = back.messages[0] as any;
        // Whitespace alone is no text block (Anthropic refuses one sent back).
        expect(m.content.some((b) => b.type === 'text' && b.text.trim() === '')).toBe(false);
        if (content.trim()) expect(a.content).toBe(content);
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
        const deltas = events.filter((e) => e.type === 'content_block_delta') as any[];
        const got = deltas.map((e) => e.delta.text ?? e.delta.thinking ?? '').join('');
        // Every piece of text but whitespace a text block would hold alone, which is dropped (Anthropic refuses it sent back).
        expect(got.replace(/\s/g, '')).toBe(sent.replace(/\s/g, ''));
        const texts = new Map<number, string>();
        for (const e of deltas) if (typeof e.delta.text === 'string') texts.set(e.index, (texts.get(e.index) ?? '') + e.delta.text);
        for (const t of texts.values()) expect(t.trim()).not.toBe('');
      }),
      { numRuns: 500 },
    );
  });
});
