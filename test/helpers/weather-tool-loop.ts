/**
 * The two-turn tool loop of the reasoning-memory tests (DeepSeek's and Kimi's thinking models want
 * the reasoning of a tool-calling turn sent back): the question, its weather tool, and turn 2 as a
 * typed OpenAI-SDK client rebuilds it.
 */
export const USER_TURN = { role: 'user' as const, content: 'Weather in Paris and Tokyo?' };
export const WEATHER_TOOLS = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

/** Turn 2 as a typed client rebuilds it: role, content, tool_calls (plus `extra`); no reasoning_content. */
export function secondTurn(calls: { id: string; function: { name: string; arguments: string } }[], extra: object = {}): any[] {
  const assistant = {
    role: 'assistant',
    content: '',
    tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.function.name, arguments: c.function.arguments } })),
    ...extra,
  };
  return [USER_TURN, assistant, ...calls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: '{"temp_c": 18}' }))];
}
