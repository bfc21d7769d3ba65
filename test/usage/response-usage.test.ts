/**
 * A Responses answer's usage is read by one function (usage/response-usage.ts usageFromResponse),
 * whether the answer is passed through to a /v1/responses client or turned into a chat completion
 * for a Responses-only model (providers/openai/response-to-chat.ts): the two once had copies, the
 * chat one without the built-in tools' fees.
 */
import { expect, test } from 'bun:test';
import { responseToChat } from '../../src/providers/openai/response-to-chat';
import { usageFromResponse } from '../../src/usage/response-usage';

const answer = {
  id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: 'o3-pro', service_tier: 'flex',
  tools: [{ type: 'web_search' }], reasoning: { effort: 'high' },
  output: [
    { type: 'web_search_call', id: 'ws_1', status: 'completed' },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi' }] },
  ],
  usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 2 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 3 }, total_tokens: 15 },
};

test('the chat bridge bills a Responses answer as the passthrough does: tokens, tier and built-in tool fees', () => {
  const passed = usageFromResponse(answer);
  expect(passed).toMatchObject({ input: 10, cachedInput: 2, output: 5, reasoning: 3, serviceTier: 'flex', webSearches: 1 });
  expect(responseToChat(answer, 'o3-pro').usage).toEqual(passed);
});
