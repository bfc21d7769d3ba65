/** OpenAI's 40-character tool call ids: a longer id (DeepSeek's 43, Gemini's signed ones) is shortened, consistently, without touching the client's messages. */
import { expect, test } from 'bun:test';
import { shortenToolCallIds } from '../../src/providers/openai/tool-call-id-limit';

test('long ids shortened the same way in the call and its result; short ids and other messages kept as they are', () => {
  const deepseekId = 'call_0_7c1e4a2b-1f3d-4c5e-8a9b-0c1d2e3f4a5b';
  const user = { role: 'user', content: 'Weather?' };
  const assistant = {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: deepseekId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_Kx9mPa2QwErT', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
    ],
  };
  const results = [
    { role: 'tool', tool_call_id: deepseekId, content: 'sunny' },
    { role: 'tool', tool_call_id: 'call_Kx9mPa2QwErT', content: 'rain' },
  ];
  const before = JSON.stringify([user, assistant, ...results]);
  const out = shortenToolCallIds({ model: 'gpt-4o-mini', messages: [user, assistant, ...results] });
  const [u, a, r1, r2] = out.messages as any[];
  expect(u).toBe(user);
  expect(r2).toBe(results[1]);
  expect(a.tool_calls[0].id).toMatch(/^call_[0-9a-f]{32}$/);
  expect(a.tool_calls[1]).toBe(assistant.tool_calls[1]);
  expect(r1.tool_call_id).toBe(a.tool_calls[0].id);
  expect(JSON.stringify([user, assistant, ...results])).toBe(before);
  expect(shortenToolCallIds({ messages: [{ ...results[0] }] }).messages[0].tool_call_id).toBe(a.tool_calls[0].id);
});

test('a body without long ids is returned untouched', () => {
  const messages = [{ role: 'tool', tool_call_id: 'x'.repeat(40), content: 'ok' }];
  expect(shortenToolCallIds({ messages }).messages).toBe(messages);
});
