import { describe, expect, test } from 'bun:test';
import completionFixture from '../fixtures/responses/deepseek-reasoner-tools.completion.json';
import { chatToResponse } from '../../src/responses/chat-to-response';
import { responseSkeleton } from '../../src/responses/response-skeleton';
import { schemaErrors } from './openai-schema';

const req = {
  model: 'deepseek-reasoner',
  input: 'Weather in Paris?',
  tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }],
  metadata: { run: '7' },
};

describe('chatToResponse', () => {
  test('reasoning, message and tool calls become output items, usage is mapped', () => {
    const skeleton = responseSkeleton(req, 'resp_1', 'deepseek-reasoner', 1745400200);
    const res = chatToResponse(completionFixture as any, skeleton, 1745400201_000);
    expect(schemaErrors('Response', res)).toEqual([]);
    expect(res).toMatchObject({
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      completed_at: 1745400201,
      incomplete_details: null,
      error: null,
      model: 'deepseek-reasoner',
      metadata: { run: '7' },
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' }, strict: true, description: null }],
      usage: {
        input_tokens: 95,
        input_tokens_details: { cached_tokens: 64 },
        output_tokens: 60,
        output_tokens_details: { reasoning_tokens: 40 },
        total_tokens: 155,
      },
    });
    expect(res.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    const [reasoning, message, call] = res.output as any[];
    expect(reasoning.id).toStartWith('rs_');
    expect(reasoning.content).toEqual([{ type: 'reasoning_text', text: 'The user wants the weather in Paris; I should call get_weather.' }]);
    expect(reasoning.summary).toEqual([]);
    expect(message.id).toStartWith('msg_');
    expect(message).toMatchObject({ role: 'assistant', status: 'completed' });
    expect(message.content).toEqual([{ type: 'output_text', text: 'Let me check the weather.', annotations: [], logprobs: [] }]);
    expect(call.id).toStartWith('fc_');
    expect(call).toMatchObject({
      call_id: 'call_0_a1b2c3d4-e5f6-4711-8899-aabbccddeeff',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
      status: 'completed',
    });
  });

  test('reasoning.summary asked for: the reasoning text is also the item\'s one summary part', () => {
    const text = 'The user wants the weather in Paris; I should call get_weather.';
    for (const summary of ['auto', 'concise', 'detailed']) {
      const res = chatToResponse(completionFixture as any, responseSkeleton({ ...req, reasoning: { summary } }, 'resp_1', 'deepseek-reasoner', 1));
      expect(schemaErrors('Response', res)).toEqual([]);
      expect(res.reasoning).toEqual({ effort: null, summary });
      expect(res.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text }], content: [{ type: 'reasoning_text', text }] });
    }
    // Anthropic thinking without text (encrypted only): no summary part to give.
    const thinkingOnly = { ...completionFixture, choices: [{ ...completionFixture.choices[0], message: { role: 'assistant', content: 'Hi', reasoning_content: null, thinking_blocks: [{ type: 'redacted_thinking', data: 'x' }] } }] };
    const res = chatToResponse(thinkingOnly as any, responseSkeleton({ ...req, reasoning: { summary: 'auto' } }, 'resp_1', 'deepseek-reasoner', 1));
    expect(res.output[0]).toMatchObject({ type: 'reasoning', summary: [], content: [] });
    expect(schemaErrors('Response', res)).toEqual([]);
  });

  test('finish_reason length makes the response incomplete with reason max_output_tokens', () => {
    const completion = {
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'deepseek-chat',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Once upon a' }, finish_reason: 'length', logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    };
    const res = chatToResponse(completion as any, responseSkeleton({ model: 'x', max_output_tokens: 3 }, 'resp_2', 'deepseek-chat', 1));
    expect(schemaErrors('Response', res)).toEqual([]);
    expect(res.status).toBe('incomplete');
    expect(res.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(res.completed_at).toBeNull();
    expect(res.max_output_tokens).toBe(3);
    expect((res.output[0] as any).status).toBe('incomplete');
    expect(res.usage).toEqual({
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 8,
    });
  });

  test('the schema check itself rejects a malformed response', () => {
    const res: any = chatToResponse(completionFixture as any, responseSkeleton(req, 'resp_3', 'm', 1));
    delete res.tool_choice;
    res.output[1].content[0].logprobs = undefined;
    delete res.output[1].content[0].logprobs;
    const errs = schemaErrors('Response', res);
    expect(errs.some((e) => e.includes('"missingProperty":"tool_choice"'))).toBe(true);
    expect(errs.some((e) => e.includes('$/output/1/'))).toBe(true);
  });
});
