import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { messageEventStream } from '../../src/messages/message-event-stream';
import { MessageStreamBridge } from '../../src/messages/message-stream-bridge';
import { toAnthropicUsage } from '../../src/messages/chat-to-message';
import { expectAnthropicOrder, parseSse } from './messages-helpers';

const skeleton = () => ({
  id: 'msg_1', type: 'message' as const, role: 'assistant' as const, model: 'm',
  stop_reason: null, stop_sequence: null, stop_details: null, usage: toAnthropicUsage(null),
});
const chunk = (delta: any, finish: string | null = null, extra: any = {}) =>
  ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }], ...extra }) as any;

describe('MessageStreamBridge', () => {
  test('thinking, text, then two tool calls: one block at a time, ids and arguments intact', () => {
    const b = new MessageStreamBridge(skeleton());
    const events = [
      ...b.start(),
      ...b.push(chunk({ role: 'assistant', content: '' })),
      ...b.push(chunk({ reasoning_content: 'Hmm' })),
      ...b.push(chunk({ reasoning_content: ' ok' })),
      ...b.push(chunk({ content: 'Calling.' })),
      ...b.push(chunk({ tool_calls: [{ index: 0, id: 'get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '' } }] })),
      ...b.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] })),
      ...b.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] })),
      ...b.push(chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] })),
      ...b.push(chunk({}, 'tool_calls')),
      ...b.end({ input: 50, cachedInput: 20, output: 9, reasoning: 3 }),
    ];
    expectAnthropicOrder(events);
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    expect(events[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } });
    expect(events[9]).toMatchObject({ content_block: { type: 'tool_use', name: 'get_weather', input: {} } });
    expect(events[10]).toEqual({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":' } });
    expect(events.at(-2)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null, stop_details: null },
      usage: { input_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 20, output_tokens: 9 },
    });
  });

  test('an interleaved late argument delta still names its own block', () => {
    const b = new MessageStreamBridge(skeleton());
    b.start();
    b.push(chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":' } }] }));
    b.push(chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{}' } }] }));
    const late = b.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }));
    expect(late).toEqual([{ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } }]);
  });

  test('empty answer: no blocks, the early ping, end_turn; fail gives an error event once', () => {
    const b = new MessageStreamBridge(skeleton());
    expect([...b.start(), ...b.push(chunk({}, 'stop')), ...b.end(null)].map((e) => e.type)).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
    const f = new MessageStreamBridge(skeleton());
    f.start();
    expect(f.fail({ type: 'api_error', message: 'x' })).toEqual([{ type: 'error', error: { type: 'api_error', message: 'x' } }]);
    expect(f.end()).toEqual([]);
  });
});

describe('messageEventStream', () => {
  async function* slow(items: any[], gapMs: number, fail?: Error) {
    for (const it of items) {
      await Bun.sleep(gapMs);
      yield it;
    }
    if (fail) throw fail;
  }

  test('pings while the upstream is silent; estimates usage when none came', async () => {
    const body = messageEventStream(slow([chunk({ content: 'a' }), chunk({ content: 'b' }, 'stop')], 150), new MessageStreamBridge(skeleton()), {
      pingMs: 20,
      estimate: async (text) => ({ input: 7, cachedInput: 0, output: text.length, reasoning: 0, estimated: true }),
    });
    const events = parseSse(await new Response(body).text());
    expectAnthropicOrder(events);
    const types = events.map((e) => e.type);
    // The early ping, and more during the silences before each chunk.
    expect(types.filter((t) => t === 'ping').length).toBeGreaterThan(2);
    expect(types.indexOf('ping')).toBe(1);
    expect(events.at(-2).usage).toEqual({ input_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 2 });
  });

  test('a failure mid-stream ends with event: error in Anthropic shape', async () => {
    const err = new ApiError(429, 'slow down', 'rate_limit_error');
    const body = messageEventStream(slow([chunk({ content: 'a' })], 0, err), new MessageStreamBridge(skeleton()), {
      estimate: async () => ({ input: 0, cachedInput: 0, output: 0, reasoning: 0 }),
    });
    const events = parseSse(await new Response(body).text());
    expect(events.at(-1)).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
    expect(events.map((e) => e.type)).not.toContain('message_stop');
  });
});
