import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import { ApiError, UpstreamError } from '../../src/errors/api-error';
import { geminiAdapter } from '../../src/providers/gemini';
import { buildGeminiRequest } from '../../src/providers/gemini/gemini-request';
import type { ChatRequest } from '../../src/providers/types';
import { newTally, noFetch, runStreamToEnd } from './helpers';

// Property runs are CPU-bound: several times slower on a loaded CI machine. A limit only bounds a
// hang.
setDefaultTimeout(30_000);

const text = fc.string({ maxLength: 20 });
const toolCall = fc.record({ id: fc.constantFrom('a', 'b', 'c'), type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('f', 'g'), arguments: fc.oneof(fc.constant('{}'), fc.constant('{"x":1}'), text) }) });
const message = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer', 'user'), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 3 })) }),
  fc.record({ role: fc.constant('assistant'), content: fc.option(text), tool_calls: fc.option(fc.array(toolCall, { maxLength: 3 }), { nil: undefined }) }),
  fc.record({ role: fc.constant('tool'), tool_call_id: fc.constantFrom('a', 'b', 'c', 'zz'), content: fc.oneof(text, fc.constant('{"ok":true}')) }),
  fc.record({ role: fc.constant('user'), content: fc.array(fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: fc.oneof(text, fc.constant('data:image/png;base64,iVBORw0KGgo=')) }) }), { maxLength: 2 }) }),
);
const request = fc.record({
  model: fc.constant('x'),
  messages: fc.array(message, { maxLength: 8 }),
  temperature: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
  n: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  stop: fc.option(fc.oneof(text, fc.array(text, { maxLength: 4 })), { nil: undefined }),
  reasoning_effort: fc.option(fc.constantFrom('none', 'minimal', 'low', 'medium', 'high', 'xhigh'), { nil: undefined }),
  tool_choice: fc.option(fc.constantFrom('auto', 'none', 'required'), { nil: undefined }),
});

describe('Gemini translators never crash', () => {
  test('any request either translates or is refused with an ApiError', async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom('gemini-2.5-flash', 'gemini-3-pro-preview'), async (req, model) => {
        try {
          const body = await buildGeminiRequest(req as unknown as ChatRequest, { model, stream: false, clientWantsUsage: false }, noFetch);
          // Invariants: Gemini never sees a system role in contents, nor an empty turn.
          for (const c of body.contents) {
            expect(['user', 'model']).toContain(c.role!);
            expect(c.parts.length).toBeGreaterThan(0);
          }
          // Roles alternate: same-role neighbours were merged.
          for (let i = 1; i < body.contents.length; i++) expect(body.contents[i]!.role).not.toBe(body.contents[i - 1]!.role);
        } catch (e) {
          expect(e).toBeInstanceOf(ApiError);
          expect((e as ApiError).status).toBe(400);
        }
      }),
      { numRuns: 300 },
    );
  });

  const geminiish = fc.record({
    candidates: fc.array(
      fc.oneof(
        fc.jsonValue(),
        fc.record({
          content: fc.oneof(fc.jsonValue(), fc.record({ parts: fc.array(fc.oneof(fc.jsonValue(), fc.record({ text: fc.jsonValue(), thought: fc.jsonValue(), functionCall: fc.jsonValue() }))) })),
          finishReason: fc.jsonValue(),
          index: fc.jsonValue(),
        }),
      ),
    ),
    usageMetadata: fc.jsonValue(),
    promptFeedback: fc.jsonValue(),
  });

  test('any JSON as a response body gives a completion', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), geminiish), (v) => {
        const { completion } = geminiAdapter.parseChatResponse(v, { model: 'm', stream: false, clientWantsUsage: true });
        expect(completion.object).toBe('chat.completion');
      }),
      { numRuns: 300 },
    );
  });

  test('any bytes as a stream end in [DONE] or fail with an UpstreamError (the relay sends it as an error chunk)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.string(), fc.oneof(fc.jsonValue(), geminiish).map((j) => `data: ${JSON.stringify(j)}\n\n`)), { maxLength: 6 }), async (parts) => {
        const { events, error } = await runStreamToEnd(geminiAdapter.chatStream({ model: 'm', stream: true, clientWantsUsage: true }, newTally()), parts.join(''));
        if (error === null) expect(events.at(-1)).toBe('[DONE]');
        else expect(error).toBeInstanceOf(UpstreamError);
      }),
      { numRuns: 200 },
    );
  });
});
