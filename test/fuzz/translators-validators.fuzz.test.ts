/**
 * Property tests: the chat request validator and the Responses <-> chat translators never throw
 * anything but ApiError, whatever they are given, and keep what they translate.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import { validateChatRequest } from '../../src/api/request-validation';
import { ApiError } from '../../src/errors/api-error';
import type { ChatCompletion, ChatCompletionChunk } from '../../src/providers/types';
import { chatToResponse } from '../../src/responses/chat-to-response';
import { responsesToChat } from '../../src/responses/request-to-chat';
import { responseSkeleton } from '../../src/responses/response-skeleton';
import { ResponsesStreamBridge } from '../../src/responses/stream-bridge';

// Property runs are CPU-bound: several times slower on a loaded CI machine. A limit only bounds a
// hang.
setDefaultTimeout(30_000);

/** Runs fn; anything thrown must be an ApiError with a 4xx status. */
function onlyApiErrors(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof ApiError)) throw new Error(`threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    expect(err.status).toBeGreaterThanOrEqual(400);
    expect(err.status).toBeLessThan(500);
    return err;
  }
}

const json = fc.jsonValue({ maxDepth: 4 });
const role = fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function', 'wizard', '', 42 as any);
const part = fc.oneof(
  fc.record({ type: fc.constant('text'), text: fc.oneof(fc.string(), json) }),
  fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: fc.oneof(fc.webUrl(), fc.constantFrom('data:image/png;base64,iVBORw0KGgo=', 'data:image/png;base64,@@', 'file:///etc/passwd', 'javascript:1')), detail: fc.constantFrom('auto', 'low', 'x', undefined as any) }) }),
  json,
);
const message = fc.record(
  { role, content: fc.oneof(fc.string(), fc.array(part, { maxLength: 3 }), json), name: fc.oneof(fc.string(), json), tool_call_id: fc.string(), tool_calls: fc.oneof(json, fc.array(json, { maxLength: 2 })) },
  { requiredKeys: ['role'] },
);
/** Chat bodies close enough to valid that the validator walks deep, with any field possibly wrong. */
const chatBody = fc.record(
  {
    model: fc.oneof(fc.string(), json),
    messages: fc.oneof(fc.array(message, { maxLength: 4 }), json),
    stream: fc.oneof(fc.boolean(), json),
    n: fc.oneof(fc.integer(), json),
    max_tokens: fc.oneof(fc.integer(), fc.double(), json),
    temperature: fc.oneof(fc.double(), json),
    tools: fc.oneof(fc.array(fc.record({ type: fc.constantFrom('function', 'custom', 'x'), function: fc.oneof(fc.record({ name: fc.string(), parameters: json }), json) }), { maxLength: 2 }), json),
    tool_choice: fc.oneof(fc.constantFrom('auto', 'none', 'required', 'maybe'), json),
    response_format: fc.oneof(fc.record({ type: fc.constantFrom('text', 'json_object', 'json_schema', 'yaml'), json_schema: json }), json),
    stop: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 6 }), json),
    stream_options: fc.oneof(fc.record({ include_usage: fc.oneof(fc.boolean(), json) }), json),
  },
  { requiredKeys: [] },
);

describe('validateChatRequest', () => {
  test('any JSON value: returns the body or throws a 400 ApiError', () => {
    fc.assert(fc.property(json, (v) => void onlyApiErrors(() => validateChatRequest(v))), { numRuns: 1000 });
  });

  test('near-valid chat bodies: returns the body or throws a 400 ApiError naming a param', () => {
    fc.assert(
      fc.property(chatBody, (body) => {
        const r = onlyApiErrors(() => validateChatRequest(body));
        if (r instanceof ApiError) expect(r.status).toBe(400);
        else expect(r).toBe(body); // accepted bodies pass through unchanged
      }),
      { numRuns: 2000 },
    );
  });
});

const skeleton = (req: any = { model: 'm' }) => responseSkeleton(req, 'resp_1', 'm', 1);

describe('Responses -> chat', () => {
  test('any request object translates or is refused with a 4xx ApiError', () => {
    const inputItem = fc.oneof(
      fc.record({ role: fc.constantFrom('user', 'assistant', 'system', 'developer', 'x'), content: fc.oneof(fc.string(), fc.array(fc.oneof(fc.record({ type: fc.constantFrom('input_text', 'output_text', 'input_image', 'x'), text: fc.string(), image_url: fc.string() }), json), { maxLength: 3 }), json), type: fc.constantFrom('message', undefined as any) }),
      fc.record({ type: fc.constantFrom('function_call', 'function_call_output', 'reasoning', 'x'), call_id: fc.string(), name: fc.string(), arguments: fc.string(), output: fc.oneof(fc.string(), json) }),
      json,
    );
    const req = fc.record(
      {
        model: fc.string(),
        input: fc.oneof(fc.string(), fc.array(inputItem, { maxLength: 4 }), json),
        instructions: fc.oneof(fc.string(), json),
        tools: fc.oneof(fc.array(fc.oneof(fc.record({ type: fc.constantFrom('function', 'web_search', 'x'), name: fc.string(), parameters: json }), json), { maxLength: 2 }), json),
        tool_choice: fc.oneof(fc.constantFrom('auto', 'none', 'required'), json),
        text: fc.oneof(fc.record({ format: fc.oneof(fc.record({ type: fc.constantFrom('text', 'json_object', 'json_schema', 'x'), name: fc.string(), schema: json }), json) }), json),
        reasoning: fc.oneof(fc.record({ effort: fc.oneof(fc.string(), json) }), json),
        max_output_tokens: fc.oneof(fc.integer(), json),
        background: fc.oneof(fc.boolean(), json),
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(req, (r) => void onlyApiErrors(() => responsesToChat(r as any, { model: 'm', provider: 'deepseek' }))), { numRuns: 2000 });
  });

  test('a plain text input round-trips: it is the last user message, instructions the system one', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.option(fc.string(), { nil: undefined }), (input, instructions) => {
        const { chat } = responsesToChat({ model: 'x', input, instructions } as any, { model: 'm', provider: 'deepseek' });
        const msgs = chat.messages as any[];
        expect(msgs.at(-1)).toMatchObject({ role: 'user', content: input });
        if (instructions !== undefined) expect(msgs[0]).toEqual({ role: 'system', content: instructions });
        expect(chat.model).toBe('m');
      }),
    );
  });
});

const completionArb = fc.record({
  content: fc.option(fc.string(), { nil: null }),
  reasoning: fc.option(fc.string(), { nil: undefined }),
  calls: fc.array(fc.record({ name: fc.string({ minLength: 1 }), args: fc.string() }), { maxLength: 3 }),
  finish: fc.constantFrom('stop', 'length', 'tool_calls', 'content_filter', null, 'weird'),
});

describe('chat -> Responses', () => {
  test('any completion translates; text and tool calls are kept', () => {
    fc.assert(
      fc.property(completionArb, ({ content, reasoning, calls, finish }) => {
        const completion = {
          id: 'c', object: 'chat.completion', created: 1, model: 'm',
          choices: [{ index: 0, finish_reason: finish, message: { role: 'assistant', content, reasoning_content: reasoning, tool_calls: calls.length ? calls.map((c, i) => ({ id: `call_${i}`, type: 'function', function: { name: c.name, arguments: c.args } })) : undefined } }],
          usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
        } as unknown as ChatCompletion;
        const r = chatToResponse(completion, skeleton());
        const text = r.output.flatMap((o: any) => (o.type === 'message' ? o.content : [])).map((p: any) => p.text ?? '').join('');
        expect(text).toBe(content ?? '');
        const fns = r.output.filter((o: any) => o.type === 'function_call') as any[];
        expect(fns.map((f) => [f.name, f.arguments])).toEqual(calls.map((c) => [c.name, c.args]));
      }),
      { numRuns: 500 },
    );
  });

  test('any chunk sequence streams without throwing; the deltas add up to the streamed text', () => {
    const chunk = fc.record({
      content: fc.option(fc.string(), { nil: undefined }),
      reasoning: fc.option(fc.string(), { nil: undefined }),
      tool: fc.option(fc.record({ index: fc.nat(2), id: fc.option(fc.string({ minLength: 1 }), { nil: undefined }), name: fc.option(fc.string({ minLength: 1 }), { nil: undefined }), args: fc.string() }), { nil: undefined }),
      finish: fc.option(fc.constantFrom('stop', 'length', 'tool_calls'), { nil: undefined }),
      empty: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 12 }), fc.boolean(), (chunks, fail) => {
        const bridge = new ResponsesStreamBridge(skeleton());
        const events: any[] = [...bridge.start()];
        let expected = '';
        for (const c of chunks) {
          const delta: any = {};
          if (c.content !== undefined) delta.content = c.content;
          if (c.reasoning !== undefined) delta.reasoning_content = c.reasoning;
          if (c.tool) delta.tool_calls = [{ index: c.tool.index, id: c.tool.id, type: 'function', function: { name: c.tool.name, arguments: c.tool.args } }];
          if (c.content) expected += c.content;
          const ch = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: c.empty ? [] : [{ index: 0, delta, finish_reason: c.finish ?? null }] } as unknown as ChatCompletionChunk;
          if (c.empty) expected = expected.slice(0, expected.length - (c.content?.length ?? 0));
          events.push(...bridge.push(ch));
        }
        events.push(...(fail ? bridge.fail('upstream died') : bridge.finish(2)));
        const streamed = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
        expect(streamed).toBe(expected);
        const seqs = events.map((e) => e.sequence_number);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(['response.completed', 'response.incomplete', 'response.failed']).toContain(events.at(-1).type);
      }),
      { numRuns: 500 },
    );
  });
});
