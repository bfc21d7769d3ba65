import { describe, expect, test } from 'bun:test';
import { geminiAdapter, geminiErrorMessage } from '../../src/providers/gemini';
import { signatureFromToolCallId } from '../../src/providers/gemini/tool-call-id';
import { fixtureJson } from './helpers';

const ctx = { model: 'gemini-2.5-flash', stream: false, clientWantsUsage: false };

describe('parseChatResponse', () => {
  test('text with a thought summary and cached prompt', () => {
    const { completion, usage } = geminiAdapter.parseChatResponse(fixtureJson('text.json'), ctx);
    expect(completion.id).toBe('chatcmpl-3KJ2aaL2ObKk1e8PgcjS-Ak');
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gemini-2.5-flash');
    expect(typeof completion.created).toBe('number');
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: '2 + 2 = 4.', refusal: null, reasoning_content: '**Checking the sum**\n\n2 + 2 is basic arithmetic.' } as never,
        finish_reason: 'stop',
        logprobs: null,
      },
    ]);
    expect(completion.usage).toEqual({
      prompt_tokens: 1050,
      completion_tokens: 107,
      total_tokens: 1157,
      prompt_tokens_details: { cached_tokens: 1024 },
      completion_tokens_details: { reasoning_tokens: 99 },
    });
    expect(usage).toEqual({ input: 1050, cachedInput: 1024, output: 107, reasoning: 99 });
  });

  test('a Gemini 3 function call becomes a tool call whose id carries the signature', () => {
    const raw = fixtureJson('tool-call-gemini3.json');
    const { completion } = geminiAdapter.parseChatResponse(raw, { ...ctx, model: 'gemini-3-pro-preview' });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0]! as { id: string; type: string; function: { name: string; arguments: string } };
    expect(call.type).toBe('function');
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(signatureFromToolCallId(call.id)).toBe(raw.candidates[0].content.parts[0].thoughtSignature);
  });

  test('several candidates; MAX_TOKENS -> length, SAFETY -> content_filter', () => {
    const { completion } = geminiAdapter.parseChatResponse(fixtureJson('two-candidates.json'), ctx);
    expect(completion.choices.map((c) => [c.index, c.finish_reason, c.message.content])).toEqual([
      [0, 'length', 'Roses are red,'],
      [1, 'content_filter', ''],
    ]);
  });

  test('a blocked prompt answers with content_filter and the prompt usage', () => {
    const body = { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 } };
    const { completion } = geminiAdapter.parseChatResponse(body, ctx);
    expect(completion.choices[0]!.finish_reason).toBe('content_filter');
    expect(completion.usage!.prompt_tokens).toBe(12);
  });

  test('an unparsable body still yields a completion (never a throw)', () => {
    for (const junk of [null, 'x', 42, [], { candidates: 'no' }]) {
      const { completion, usage } = geminiAdapter.parseChatResponse(junk, ctx);
      expect(completion.choices).toHaveLength(1);
      expect(usage).toBeNull();
    }
  });
});

describe('geminiErrorMessage', () => {
  test('reads message and status, also from text and from the stream array form', () => {
    const body = fixtureJson('error-400.json');
    expect(geminiErrorMessage(body)).toBe('API key not valid. Please pass a valid API key. (INVALID_ARGUMENT)');
    expect(geminiErrorMessage(JSON.stringify(body))).toBe('API key not valid. Please pass a valid API key. (INVALID_ARGUMENT)');
    expect(geminiErrorMessage([body])).toBe('API key not valid. Please pass a valid API key. (INVALID_ARGUMENT)');
    expect(geminiErrorMessage('<html>502</html>')).toBe('<html>502</html>');
    expect(geminiErrorMessage(null)).toBe('Gemini returned an error.');
  });
});
