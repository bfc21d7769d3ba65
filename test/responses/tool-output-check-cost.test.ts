/**
 * The check that every function_call_output answers a call made earlier (request-to-chat.ts) does
 * work in proportion to the conversation, not to its square: it looked back over the whole
 * conversation for each output, so a client's 2.7 MB input of 20,000 calls and their outputs held
 * the event loop ~1 s (every request on the instance waited), and a 32 MB body minutes. Counted as
 * reads of the messages' `tool_calls`, not timed.
 */
import { expect, test } from 'bun:test';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { responsesToChat } from '../../src/responses/request-to-chat';
import type { ResponsesInputItem } from '../../src/responses/responses-types';
import { ApiError } from '../../src/errors/api-error';

const opts = { model: 'deepseek-chat', provider: 'deepseek' };

/** `n` assistant turns that each made one call, counting every read of their calls. */
function countedHistory(n: number): { history: ChatCompletionMessageParam[]; reads: () => number } {
  let reads = 0;
  const history = Array.from({ length: n }, (_, i) => {
    const calls = [{ id: `call_${i}`, type: 'function' as const, function: { name: 'f', arguments: '{}' } }];
    return Object.defineProperty({ role: 'assistant' as const, content: null }, 'tool_calls', {
      enumerable: true,
      get: () => (reads++, calls),
    }) as ChatCompletionMessageParam;
  });
  return { history, reads: () => reads };
}

test('outputs answering calls of a long conversation are checked with work linear in its length', () => {
  const n = 2_000;
  const { history, reads } = countedHistory(n);
  // Each output answers the conversation's first call: the look back went over all of it, each time.
  const input: ResponsesInputItem[] = Array.from({ length: n }, () => ({ type: 'function_call_output', call_id: 'call_0', output: '21C' }));
  const { conversation } = responsesToChat({ model: 'x', input }, { ...opts, history });
  expect(conversation.length).toBe(2 * n);
  // Quadratic, that was n * n = 4,000,000 reads; linear is a few per message.
  expect(reads()).toBeLessThan(10 * n);
});

test('an output before its call, or for no call, is still refused naming its item', () => {
  const call: ResponsesInputItem = { type: 'function_call', call_id: 'call_a', name: 'f', arguments: '{}' };
  const early: ResponsesInputItem = { type: 'function_call_output', call_id: 'call_a', output: 'x' };
  const other: ResponsesInputItem = { type: 'function_call_output', call_id: 'call_b', output: 'x' };
  const param = (input: ResponsesInputItem[]) => {
    try {
      responsesToChat({ model: 'x', input }, opts);
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      return (err as ApiError).param;
    }
    return 'accepted';
  };
  expect(param([early, call])).toBe('input[0]');
  expect(param([call, early, other])).toBe('input[2]');
  expect(param([call, early])).toBe('accepted');
});
