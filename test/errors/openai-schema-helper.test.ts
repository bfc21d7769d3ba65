/** The Ajv check the conformance tests rely on refuses what OpenAI's shape does not allow (so they can fail). */
import { expect, test } from 'bun:test';
import { openaiSchemaErrors, responseEventErrors } from '../helpers/openai-schema';

const completion = () => ({
  id: 'chatcmpl-abc', object: 'chat.completion', created: 1757925000, model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

test('a valid completion passes; each kind of fault is named', () => {
  expect(openaiSchemaErrors('CreateChatCompletionResponse', completion())).toEqual([]);
  const faults: [string, (c: any) => void, RegExp][] = [
    ['a required field missing', (c) => delete c.choices[0].finish_reason, /missingProperty.*finish_reason/],
    ['a wrong object literal', (c) => (c.object = 'chat.completion.chunk'), /\/object/],
    ['created in milliseconds', (c) => (c.created = 1757925000123), /\/created.*unixtime/],
    ['created not whole', (c) => (c.created = 1757925000.5), /\/created/],
    ['NaN (null in JSON) for a count', (c) => (c.usage.total_tokens = JSON.parse(JSON.stringify(NaN))), /\/usage\/total_tokens/],
    ['null where the spec has no null', (c) => (c.model = null), /\/model/],
    ['a finish reason OpenAI does not have', (c) => (c.choices[0].finish_reason = 'end_turn'), /finish_reason/],
    ["an id without OpenAI's prefix", (c) => (c.id = '6a7b8c9d-0e1f'), /does not start with chatcmpl-/],
  ];
  for (const [what, spoil, says] of faults) {
    const c = completion();
    spoil(c);
    const errs = openaiSchemaErrors('CreateChatCompletionResponse', c);
    expect({ what, found: errs.some((e) => says.test(e)) }).toEqual({ what, found: true });
  }
});

test('Responses events are checked against their own type; an unknown type is an error', () => {
  const delta = { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi', logprobs: [], sequence_number: 3 };
  expect(responseEventErrors(delta)).toEqual([]);
  expect(responseEventErrors({ ...delta, sequence_number: '3' }).length).toBeGreaterThan(0);
  expect(responseEventErrors({ ...delta, type: 'response.output_text.deltas' })).toEqual(['unknown event type "response.output_text.deltas"']);
});
