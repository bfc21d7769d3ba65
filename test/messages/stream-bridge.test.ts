import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { messageEventStream } from '../../src/messages/message-event-stream';
import { MessageStreamBridge } from '../../src/messages/message-stream-bridge';
import { toAnthropicUsage } from '../../src/messages/chat-to-message';
import { expectAnthropicOrder, parseSse } from './messages-helpers';
import { TALLY_TEXT_CAP } from '../../src/providers/shared/tally-text';

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
      'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    expect(events[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } });
    // The thinking block ends with the empty signature the JSON answer has (the AI SDK keeps a streamed block only with one).
    expect(events[5]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: '' } });
    expect(events[10]).toMatchObject({ content_block: { type: 'tool_use', name: 'get_weather', input: {} } });
    expect(events[11]).toEqual({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":' } });
    expect(events.at(-2)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null, stop_details: null },
      // The usage's reasoning (3 of the 9), as Anthropic tells thinking.
      usage: { input_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 20, output_tokens: 9, output_tokens_details: { thinking_tokens: 3 } },
    });
  });

  /** The blocks a client assembles from the events (tool inputs parsed from their JSON pieces). */
  const assemble = (events: any[]) => {
    const blocks: any[] = [];
    const json: string[] = [];
    for (const e of events) {
      if (e.type === 'content_block_start') blocks[e.index] = { ...e.content_block };
      if (e.type === 'content_block_delta') {
        const b = blocks[e.index];
        if (e.delta.type === 'input_json_delta') json[e.index] = (json[e.index] ?? '') + e.delta.partial_json;
        else if (e.delta.type === 'text_delta') b.text += e.delta.text;
        else if (e.delta.type === 'thinking_delta') b.thinking += e.delta.thinking;
      }
      if (e.type === 'content_block_stop' && blocks[e.index].type === 'tool_use') blocks[e.index].input = JSON.parse(json[e.index] || '{}');
    }
    return blocks;
  };

  test('interleaved parallel calls: one block at a time; a call waits until the open one is whole JSON, then follows in order', () => {
    const b = new MessageStreamBridge(skeleton());
    const events: any[] = [
      ...b.start(),
      ...b.push(chunk({ content: '' })),
      ...b.push(chunk({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":' } }] })),
      ...b.push(chunk({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{"y":' } }] })),
      ...b.push(chunk({ tool_calls: [{ index: 2, id: 'c', type: 'function', function: { name: 'h', arguments: '' } }] })),
      ...b.push(chunk({ tool_calls: [{ index: 1, function: { arguments: '2}' } }] })),
      ...b.push(chunk({ tool_calls: [{ index: 2, function: { arguments: '{"z":3}' } }] })),
      ...b.push(chunk({ content: 'text after the calls' })),
    ];
    // Only call 0 is out so far: its arguments are not whole yet.
    expect(events.filter((e) => e.type === 'content_block_start').map((e) => e.content_block.name)).toEqual(['f']);
    const late = b.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }));
    expect(late[0]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } });
    events.push(...late, ...b.push(chunk({}, 'tool_calls')), ...b.end(null));
    expectAnthropicOrder(events);
    expect(assemble(events)).toEqual([
      { type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } , caller: { type: 'direct' } },
      { type: 'tool_use', id: 'b', name: 'g', input: { y: 2 } , caller: { type: 'direct' } },
      { type: 'tool_use', id: 'c', name: 'h', input: { z: 3 } , caller: { type: 'direct' } },
      { type: 'text', text: 'text after the calls', citations: null },
    ]);
    expect(events.at(-2).delta.stop_reason).toBe('tool_use');
  });

  test('a call whose arguments never form JSON (a server that sends none) holds the next one until the end', () => {
    const b = new MessageStreamBridge(skeleton());
    const events = [
      ...b.start(),
      ...b.push(chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'now', arguments: '' } }] })),
      ...b.push(chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{"y":' } }] })),
      ...b.push(chunk({ tool_calls: [{ index: 1, function: { arguments: '2}' } }] })),
      ...b.push(chunk({}, 'tool_calls')),
      ...b.end(null),
    ];
    expectAnthropicOrder(events);
    expect(assemble(events)).toEqual([
      { type: 'tool_use', id: 'a', name: 'now', input: {} , caller: { type: 'direct' } },
      { type: 'tool_use', id: 'b', name: 'g', input: { y: 2 } , caller: { type: 'direct' } },
    ]);
  });

  test('calls without an index (or all on index 0) are told apart by their ids; a piece with neither continues the last', () => {
    const b = new MessageStreamBridge(skeleton());
    const events = [
      ...b.start(),
      ...b.push(chunk({ tool_calls: [{ id: 'a', function: { name: 'f', arguments: '{"x":1}' } }, { id: 'b', function: { name: 'g', arguments: '{"y":' } }] })),
      ...b.push(chunk({ tool_calls: [{ function: { arguments: '2}' } }] })),
      ...b.push(chunk({ tool_calls: [{ index: 0, id: 'c', function: { name: 'h', arguments: '{"z":' } }] })),
      ...b.push(chunk({ tool_calls: [{ index: 0, id: 'c', function: { arguments: '3}' } }] })),
      ...b.push(chunk({}, 'tool_calls')),
      ...b.end(null),
    ] as any[];
    expectAnthropicOrder(events);
    expect(assemble(events)).toEqual([
      { type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } , caller: { type: 'direct' } },
      { type: 'tool_use', id: 'b', name: 'g', input: { y: 2 } , caller: { type: 'direct' } },
      { type: 'tool_use', id: 'c', name: 'h', input: { z: 3 } , caller: { type: 'direct' } },
    ]);
    const same = new MessageStreamBridge(skeleton());
    const again = [
      ...same.start(),
      ...same.push(chunk({ tool_calls: [{ index: 0, id: 'p', function: { name: 'f', arguments: '{"x":1}' } }] })),
      ...same.push(chunk({ tool_calls: [{ index: 0, id: 'q', function: { name: 'g', arguments: '{"y":2}' } }] })),
      ...same.end(null),
    ];
    expectAnthropicOrder(again);
    expect(assemble(again).map((x: any) => [x.id, x.input])).toEqual([['p', { x: 1 }], ['q', { y: 2 }]]);
  });

  test('arguments in many small pieces stream live, one delta each, into one block', () => {
    const b = new MessageStreamBridge(skeleton());
    const args = JSON.stringify({ path: '/src/app.ts', content: 'x'.repeat(300) + '\n"quoted" ünï' });
    const events = [...b.start(), ...b.push(chunk({ tool_calls: [{ index: 0, id: 'w', function: { name: 'Write', arguments: '' } }] }))];
    for (let i = 0; i < args.length; i += 3) events.push(...b.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 3) } }] })));
    events.push(...b.push(chunk({}, 'tool_calls')), ...b.end(null));
    expectAnthropicOrder(events);
    expect(events.filter((e) => e.type === 'content_block_delta')).toHaveLength(Math.ceil(args.length / 3));
    expect(assemble(events)).toEqual([{ type: 'tool_use', id: 'w', name: 'Write', input: JSON.parse(args) , caller: { type: 'direct' } }]);
  });

  test('whitespace a text block would hold alone is dropped (Anthropic refuses it sent back); before more text it is kept', () => {
    const b = new MessageStreamBridge(skeleton());
    const events = [
      ...b.start(),
      ...b.push(chunk({ role: 'assistant', content: '\n' })),
      ...b.push(chunk({ content: '\n' })),
      ...b.push(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'ls', arguments: '{}' } }] })),
      ...b.push(chunk({}, 'tool_calls')),
      ...b.end(null),
    ];
    expectAnthropicOrder(events);
    expect(events.filter((e) => e.type === 'content_block_start').map((e: any) => e.content_block.type)).toEqual(['tool_use']);
    const c = new MessageStreamBridge(skeleton());
    const texts = [...c.start(), ...c.push(chunk({ content: '\n\n' })), ...c.push(chunk({ content: 'Hi' })), ...c.push(chunk({ content: ' ' })), ...c.end(null)]
      .filter((e: any) => e.type === 'content_block_delta')
      .map((e: any) => e.delta.text);
    expect(texts).toEqual(['\n\nHi', ' ']);
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
      estimate: async (d) => ({ input: 7, cachedInput: 0, output: d.deliveredText.length, reasoning: 0, estimated: true }),
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
    const err = new ApiError({ status: 429, message: 'slow down', type: 'rate_limit_error' });
    const body = messageEventStream(slow([chunk({ content: 'a' })], 0, err), new MessageStreamBridge(skeleton()), {
      estimate: async () => ({ input: 0, cachedInput: 0, output: 0, reasoning: 0 }),
    });
    const events = parseSse(await new Response(body).text());
    expect(events.at(-1)).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
    expect(events.map((e) => e.type)).not.toContain('message_stop');
  });
});

describe('delivered text kept for an estimate', () => {
  test('a long translated stream keeps a bounded sample and the count of all it delivered, not the whole text', () => {
    const b = new MessageStreamBridge(skeleton());
    b.start();
    const piece = 'word '.repeat(3277); // ~16 KiB
    for (let i = 0; i < 64; i++) b.push(chunk({ content: piece }));
    b.push(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] }));
    expect(b.delivered.deliveredText.length).toBe(TALLY_TEXT_CAP);
    expect(b.delivered.deliveredChars).toBe(64 * piece.length + '{"a":1}'.length);
  });
});
