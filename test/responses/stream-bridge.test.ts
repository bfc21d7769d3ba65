import { describe, expect, test } from 'bun:test';
import { ResponsesStreamBridge } from '../../src/responses/stream-bridge';
import { responseSkeleton } from '../../src/responses/response-skeleton';
import type { ResponseEvent } from '../../src/responses/responses-types';
import { EVENT_SCHEMAS, schemaErrors } from './openai-schema';
import { expectConsistentItems } from './stream-invariants';
import { TALLY_TEXT_CAP } from '../../src/providers/shared/tally-text';

async function chunks(name: string): Promise<any[]> {
  const text = await Bun.file(new URL(`../fixtures/responses/${name}`, import.meta.url)).text();
  return text.trim().split('\n').map((l) => JSON.parse(l));
}

function run(list: any[], req: any = { model: 'deepseek-reasoner', input: 'hi' }): ResponseEvent[] {
  const bridge = new ResponsesStreamBridge(responseSkeleton(req, 'resp_s', 'deepseek-reasoner', 1745400000));
  const events = [...bridge.start()];
  for (const c of list) events.push(...bridge.push(c));
  events.push(...bridge.finish());
  return events;
}

function expectValid(events: ResponseEvent[]) {
  events.forEach((e, i) => {
    expect(e.sequence_number).toBe(i);
    const schema = EVENT_SCHEMAS[e.type];
    expect(schema).toBeDefined();
    expect(schemaErrors(schema!, e)).toEqual([]);
  });
}

describe('ResponsesStreamBridge', () => {
  test('reasoning then text: the full event sequence, deltas and final response agree', async () => {
    const events = run(await chunks('deepseek-reasoner-text.chunks.txt'));
    expectValid(events);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.delta',
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect((events[0] as any).response).toMatchObject({ id: 'resp_s', status: 'in_progress', output: [] });
    const textDeltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
    expect(textDeltas).toEqual(['Hello', '! How can I help?']);
    const msgAdded = events[9] as any;
    expect(events[11]).toMatchObject({ item_id: msgAdded.item.id, output_index: 1, content_index: 0 });
    expect(events[13]).toMatchObject({ text: 'Hello! How can I help?' });
    const done = (events.at(-1) as any).response;
    expect(done.status).toBe('completed');
    expect(done.output).toHaveLength(2);
    expect(done.output[0]).toMatchObject({ type: 'reasoning', status: 'completed', content: [{ type: 'reasoning_text', text: 'The user greets me.' }] });
    expect(done.output[1]).toMatchObject({
      type: 'message',
      id: msgAdded.item.id,
      status: 'completed',
      content: [{ type: 'output_text', text: 'Hello! How can I help?', annotations: [] }],
    });
    expect(done.usage).toEqual({
      input_tokens: 12,
      input_tokens_details: { cached_tokens: 8 },
      output_tokens: 30,
      output_tokens_details: { reasoning_tokens: 22 },
      total_tokens: 42,
    });
  });

  test('reasoning.summary asked for: the reasoning also streams as its summary part, in OpenAI\'s order', async () => {
    const events = run(await chunks('deepseek-reasoner-text.chunks.txt'), { model: 'deepseek-reasoner', input: 'hi', reasoning: { summary: 'auto' } });
    expectValid(events);
    expect(events.map((e) => e.type).slice(0, 14)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.delta',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
    ]);
    const item = (events[2] as any).item;
    const summaryEvents = events.filter((e) => e.type.startsWith('response.reasoning_summary_'));
    for (const e of summaryEvents) expect(e).toMatchObject({ item_id: item.id, output_index: 0, summary_index: 0 });
    const text = 'The user greets me.';
    expect(summaryEvents.filter((e) => e.type.endsWith('.delta')).map((e) => e.delta).join('')).toBe(text);
    expect(summaryEvents[0]).toMatchObject({ part: { type: 'summary_text', text: '' } });
    expect(summaryEvents.at(-2)).toMatchObject({ text });
    expect(summaryEvents.at(-1)).toMatchObject({ part: { type: 'summary_text', text } });
    const reasoning = { type: 'reasoning', summary: [{ type: 'summary_text', text }], content: [{ type: 'reasoning_text', text }] };
    expect((events[13] as any).item).toMatchObject(reasoning);
    expect((events.at(-1) as any).response.output[0]).toMatchObject(reasoning);
    // The rest (the message) is as without summaries.
    expect(events.slice(14).map((e) => e.type)).toEqual(run(await chunks('deepseek-reasoner-text.chunks.txt')).slice(9).map((e) => e.type));
  });

  test('reasoning.summary: a failure mid-reasoning closes the summary too; thinking without text gets none', async () => {
    const req = { model: 'm', reasoning: { summary: 'detailed' } };
    const list = await chunks('deepseek-reasoner-text.chunks.txt');
    const bridge = new ResponsesStreamBridge(responseSkeleton(req, 'resp_f', 'm', 1));
    const failed = [...bridge.start(), ...list.slice(0, 2).flatMap((c) => bridge.push(c)), ...bridge.fail('upstream reset')];
    expectValid(failed);
    expect(failed.filter((e) => e.type.startsWith('response.reasoning_summary_')).map((e) => e.type)).toContain('response.reasoning_summary_part.done');
    expect((failed.at(-1) as any).response.output[0]).toMatchObject({ status: 'incomplete', summary: [{ type: 'summary_text' }] });

    const signed = new ResponsesStreamBridge(responseSkeleton(req, 'resp_t', 'm', 1));
    const thinking = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { thinking_blocks: [{ type: 'redacted_thinking', data: 'x' }] }, finish_reason: null }] };
    const text = { ...thinking, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }] };
    const events = [...signed.start(), ...signed.push(thinking as any), ...signed.push(text as any), ...signed.finish()];
    expectValid(events);
    expect(events.some((e) => e.type.startsWith('response.reasoning_summary_'))).toBe(false);
    expect((events.at(-1) as any).response.output[0]).toMatchObject({ type: 'reasoning', summary: [], encrypted_content: expect.any(String) });
  });

  test('parallel tool calls stream as function_call items with argument deltas, one after the other as OpenAI sends them', async () => {
    const events = run(await chunks('deepseek-chat-tools.chunks.txt'));
    expectValid(events);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[2]).toMatchObject({
      output_index: 0,
      item: { type: 'function_call', call_id: 'call_0_5e1c8a6b-3f43-4a52-b6a0-9b7d7f3c2e10', name: 'get_weather', arguments: '', status: 'in_progress' },
    });
    expect(events[5]).toMatchObject({ name: 'get_weather', arguments: '{"city": "Paris"}', output_index: 0 });
    expect(events[9]).toMatchObject({ name: 'get_time', arguments: '{"tz": "CET"}', output_index: 1 });
    const done = (events.at(-1) as any).response;
    expect(done.output.map((o: any) => [o.type, o.name, o.arguments, o.status])).toEqual([
      ['function_call', 'get_weather', '{"city": "Paris"}', 'completed'],
      ['function_call', 'get_time', '{"tz": "CET"}', 'completed'],
    ]);
    expect(done.usage).toMatchObject({ input_tokens: 180, input_tokens_details: { cached_tokens: 128 }, output_tokens: 41 });
  });

  describe('tool calls that are not sent one after the other', () => {
    const chunk = (delta: any, finish: string | null = null) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });
    const call = (tc: any) => chunk({ tool_calls: [tc] });
    const outputOf = (events: ResponseEvent[]) => (events.at(-1) as any).response.output.map((o: any) => [o.type, o.call_id, o.name, o.arguments ?? o.content?.[0]?.text]);
    const check = (list: any[]) => {
      const events = run(list);
      expectValid(events);
      expectConsistentItems(events);
      return events;
    };

    test('interleaved argument pieces of parallel calls: each call stays open until its arguments are whole', () => {
      const events = check([
        call({ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }),
        call({ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":' } }),
        call({ index: 0, function: { arguments: ' "Paris"}' } }),
        call({ index: 1, function: { arguments: ' "CET"}' } }),
        chunk({}, 'tool_calls'),
      ]);
      expect(outputOf(events)).toEqual([
        ['function_call', 'call_a', 'get_weather', '{"city": "Paris"}'],
        ['function_call', 'call_b', 'get_time', '{"tz": "CET"}'],
      ]);
      const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => [e.output_index, e.delta]);
      expect(deltas).toEqual([[0, '{"city":'], [1, '{"tz":'], [0, ' "Paris"}'], [1, ' "CET"}']]);
    });

    test('calls without an index, or all on index 0, are told apart by their ids', () => {
      const withoutIndex = check([
        call({ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }),
        call({ function: { arguments: ' "Paris"}' } }),
        call({ id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz": "CET"}' } }),
        chunk({}, 'tool_calls'),
      ]);
      const onIndexZero = check([
        call({ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }),
        call({ index: 0, function: { arguments: ' "Paris"}' } }),
        call({ index: 0, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":' } }),
        call({ index: 0, id: 'call_b', function: { arguments: ' "CET"}' } }),
        chunk({}, 'tool_calls'),
      ]);
      const expected = [
        ['function_call', 'call_a', 'get_weather', '{"city": "Paris"}'],
        ['function_call', 'call_b', 'get_time', '{"tz": "CET"}'],
      ];
      expect(outputOf(withoutIndex)).toEqual(expected);
      expect(outputOf(onIndexZero)).toEqual(expected);
      // Sent one after the other: the first call is done before the second is added.
      const order = onIndexZero.filter((e) => e.type.startsWith('response.output_item.')).map((e) => [e.type, e.output_index]);
      expect(order).toEqual([['response.output_item.added', 0], ['response.output_item.done', 0], ['response.output_item.added', 1], ['response.output_item.done', 1]]);
    });

    test('text between pieces of a call leaves the call open: its last piece joins it, no nameless call appears', () => {
      const events = check([
        call({ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }),
        chunk({ content: 'Checking.' }),
        call({ index: 0, function: { arguments: ' "Paris"}' } }),
        chunk({}, 'tool_calls'),
      ]);
      expect(outputOf(events)).toEqual([
        ['function_call', 'call_a', 'get_weather', '{"city": "Paris"}'],
        ['message', undefined, undefined, 'Checking.'],
      ]);
    });

    test('a name that comes after the call started is in its done events', () => {
      const events = check([call({ index: 0, id: 'call_a', type: 'function', function: { arguments: '' } }), call({ index: 0, function: { name: 'get_weather', arguments: '{}' } }), chunk({}, 'tool_calls')]);
      expect(events.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({ name: 'get_weather' });
      expect(outputOf(events)).toEqual([['function_call', 'call_a', 'get_weather', '{}']]);
    });
  });

  test('a length cut ends with response.incomplete; a failure ends with response.failed', async () => {
    const list = (await chunks('deepseek-reasoner-text.chunks.txt')).map((c) => structuredClone(c));
    list.at(-1).choices[0].finish_reason = 'length';
    const events = run(list);
    expectValid(events);
    const last = events.at(-1) as any;
    expect(last.type).toBe('response.incomplete');
    expect(last.response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(last.response.output[1].status).toBe('incomplete');

    const bridge = new ResponsesStreamBridge(responseSkeleton({ model: 'm' }, 'resp_f', 'm', 1));
    const failed = [...bridge.start(), ...bridge.push(list[3]), ...bridge.fail('upstream reset')];
    expectValid(failed);
    expect(failed.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: 'upstream reset' } } });
    expect(bridge.finish()).toEqual([]);
  });
});

test('a long bridged stream keeps a bounded sample of its text for an estimate, and the count of all it delivered', () => {
  const bridge = new ResponsesStreamBridge(responseSkeleton({ model: 'deepseek-chat', input: 'hi' } as any, 'resp_l', 'deepseek-chat', 1745400000));
  bridge.start();
  const piece = 'word '.repeat(3277);
  const chunk = (delta: any) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [{ index: 0, delta, finish_reason: null }] }) as any;
  for (let i = 0; i < 64; i++) bridge.push(chunk({ content: piece }));
  expect(bridge.delivered.deliveredText.length).toBe(TALLY_TEXT_CAP);
  expect(bridge.delivered.deliveredChars).toBe(64 * piece.length);
});
