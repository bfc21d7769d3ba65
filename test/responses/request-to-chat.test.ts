import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { responsesToChat } from '../../src/responses/request-to-chat';
import type { ResponsesRequest } from '../../src/responses/responses-types';
import { isToolResultMedia } from '../../src/providers/shared/tool-result-media';

const opts = { model: 'deepseek-chat', provider: 'deepseek' };

function refused(req: ResponsesRequest): ApiError {
  try {
    responsesToChat(req, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the request to be refused');
}

describe('responsesToChat', () => {
  test('instructions become a system message, a string input a user message', () => {
    const { chat, conversation } = responsesToChat({ model: 'x', instructions: 'Be brief.', input: 'Hi' }, opts);
    expect(chat.model).toBe('deepseek-chat');
    expect(chat.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    // instructions are not part of the stored conversation (OpenAI does not carry them over)
    expect(conversation).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(chat.stream).toBeUndefined();
  });

  test('message items with text and images map to chat content parts; developer becomes system', () => {
    const { chat } = responsesToChat(
      {
        model: 'x',
        input: [
          { role: 'developer', content: 'Answer in French.' },
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_text', text: 'What is this?' },
              { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
              { type: 'input_image', image_url: 'https://example.com/cat.jpg' },
            ],
          },
          { role: 'assistant', content: [{ type: 'output_text', text: 'Un chat.' }] },
        ],
      },
      opts,
    );
    expect(chat.messages).toEqual([
      { role: 'system', content: 'Answer in French.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'auto' } },
        ],
      },
      { role: 'assistant', content: 'Un chat.' },
    ]);
  });

  test('consecutive function_call items become one assistant message; outputs become tool messages; reasoning is skipped', () => {
    const { chat } = responsesToChat(
      {
        model: 'x',
        input: [
          { role: 'user', content: 'Weather and time in Paris?' },
          { type: 'reasoning', id: 'rs_1', summary: [] },
          { type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'function_call', call_id: 'call_b', name: 'get_time', arguments: '{"tz":"CET"}' },
          { type: 'function_call_output', call_id: 'call_a', output: '{"temp":21}' },
          { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: '14:00' }] },
        ],
      },
      opts,
    );
    expect(chat.messages).toEqual([
      { role: 'user', content: 'Weather and time in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '{"temp":21}' },
      { role: 'tool', tool_call_id: 'call_b', content: '14:00' },
    ]);
  });

  test('images and files in a function_call_output are kept: after the run of tool messages, in a user message, marked as a tool result\'s', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const { chat } = responsesToChat(
      {
        model: 'x',
        input: [
          { role: 'user', content: 'Screenshot both pages' },
          { type: 'function_call', call_id: 'call_a', name: 'shot', arguments: '{"page":1}' },
          { type: 'function_call', call_id: 'call_b', name: 'shot', arguments: '{"page":2}' },
          { type: 'function_call_output', call_id: 'call_a', output: [{ type: 'input_text', text: 'page 1' }, { type: 'input_image', image_url: png, detail: 'high' }] },
          { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'p2.pdf' }] },
          { role: 'user', content: 'Compare them' },
        ],
      } as ResponsesRequest,
      opts,
    );
    expect(chat.messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'call_a', content: 'page 1' },
      { role: 'tool', tool_call_id: 'call_b', content: '' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: png, detail: 'high' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'p2.pdf' } },
        ],
      },
      { role: 'user', content: 'Compare them' },
    ] as any);
    const parts = (chat.messages[4] as any).content as unknown[];
    expect(parts.every(isToolResultMedia)).toBe(true);
  });

  test('a tool output image as the last input item is still sent; a part the bridge cannot carry is a 400 naming it', () => {
    const { chat } = responsesToChat(
      {
        model: 'x',
        input: [
          { type: 'function_call', call_id: 'call_a', name: 'shot', arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_a', output: [{ type: 'input_image', image_url: 'https://example.test/a.png' }] },
        ],
      } as ResponsesRequest,
      opts,
    );
    expect(chat.messages.at(-1)).toEqual({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.test/a.png', detail: 'auto' } }] });
    const err = refused({
      model: 'x',
      input: [
        { type: 'function_call', call_id: 'call_a', name: 'shot', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_a', output: [{ type: 'input_text', text: 'ok' }, { type: 'input_image', file_id: 'file_1' }] },
      ],
    } as ResponsesRequest);
    expect(err.status).toBe(400);
    expect(err.param).toBe('input[1].output[1]');
  });

  test('an assistant message right after function_call items joins their turn, so the tool results still follow the calls', () => {
    const call = { type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' } as const;
    const said = { role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] } as const;
    const output = { type: 'function_call_output', call_id: 'call_a', output: 'sunny' } as const;
    const { chat } = responsesToChat({ model: 'x', input: [{ role: 'user', content: 'Weather?' }, call, said, output] as any }, opts);
    expect(chat.messages).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_a', content: 'sunny' },
    ]);
    // After the results, or after a turn that already has text, an assistant message stays its own.
    const later = responsesToChat({ model: 'x', input: [said, call, output, said] as any }, opts).chat.messages;
    expect(later.map((m: any) => [m.role, m.content])).toEqual([['assistant', 'Checking.'], ['tool', 'sunny'], ['assistant', 'Checking.']]);
    const twice = responsesToChat({ model: 'x', input: [said, call, said] as any }, opts).chat.messages;
    expect(twice.map((m: any) => [m.role, m.content])).toEqual([['assistant', 'Checking.'], ['assistant', 'Checking.']]);
  });

  test('reasoning text rides on the assistant turn that made tool calls, and only there', () => {
    const { chat } = responsesToChat(
      {
        model: 'x',
        input: [
          { role: 'user', content: 'Hi' },
          { type: 'reasoning', id: 'rs_0', summary: [], content: [{ type: 'reasoning_text', text: 'Just greet.' }] },
          { role: 'assistant', content: [{ type: 'output_text', text: 'Hello!' }] },
          { role: 'user', content: 'Weather?' },
          { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Need the tool.' }] },
          { type: 'function_call', call_id: 'call_w', name: 'get_weather', arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_w', output: 'sunny' },
        ],
      },
      opts,
    );
    expect(chat.messages[1]).toEqual({ role: 'assistant', content: 'Hello!' });
    expect(chat.messages[3]).toEqual({
      role: 'assistant',
      content: null,
      reasoning_content: 'Need the tool.',
      tool_calls: [{ id: 'call_w', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
    } as any);
  });

  test('a bridged reasoning item with its summary (the same text as its content) goes back once', () => {
    const text = 'Need the tool.';
    const { chat } = responsesToChat(
      {
        model: 'x',
        input: [
          { role: 'user', content: 'Weather?' },
          { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text }], content: [{ type: 'reasoning_text', text }] },
          { type: 'function_call', call_id: 'call_w', name: 'get_weather', arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_w', output: 'sunny' },
        ],
      },
      opts,
    );
    expect(chat.messages[1]).toMatchObject({ role: 'assistant', reasoning_content: text });
  });

  test('tools, tool_choice, sampling, reasoning, text.format and stream map onto chat fields', () => {
    const { chat } = responsesToChat(
      {
        model: 'x',
        input: 'go',
        stream: true,
        tools: [
          { type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} }, strict: true },
          { type: 'function', name: 'unused', parameters: { type: 'object' } },
        ],
        tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'get_weather' }] },
        parallel_tool_calls: false,
        max_output_tokens: 256,
        temperature: 0.2,
        top_p: 0.9,
        user: 'u-1',
        metadata: { team: 'a' },
        reasoning: { effort: 'high' },
        text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      },
      opts,
    );
    expect(chat).toMatchObject({
      tools: [
        { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} }, strict: true } },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u-1',
      reasoning_effort: 'high',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      stream: true,
      stream_options: { include_usage: true },
    });
    expect((chat as any).tools).toHaveLength(1);
    expect((chat as any).metadata).toBeUndefined();

    const named = responsesToChat({ model: 'x', input: 'go', tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'function', name: 'f' } }, opts);
    expect(named.chat.tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(responsesToChat({ model: 'x', input: 'go', text: { format: { type: 'json_object' } } }, opts).chat.response_format).toEqual({ type: 'json_object' });
  });

  test('an odd tool_choice is a 400 naming tool_choice, even one whose toString throws (a fuzz find)', () => {
    for (const tool_choice of [[{ toString: null }], { type: 'web' }, 42, 'sometimes']) {
      let err: any;
      try {
        responsesToChat({ model: 'x', input: 'go', tool_choice } as any, opts);
      } catch (e) {
        err = e;
      }
      expect(err?.status).toBe(400);
      expect(err?.param).toBe('tool_choice');
    }
  });

  test('a tool_choice asking for a tool the request does not give is a 400 naming tool_choice, not a silent answer without calls', () => {
    const tools = [{ type: 'function', name: 'get_weather' }];
    for (const [tool_choice, withTools, words] of [
      [{ type: 'function', name: 'get_time' }, true, "'get_time'"],
      [{ type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'get_time' }] }, true, "'get_time'"],
      [{ type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'get_weather' }] }, false, "'get_weather'"],
      ['required', false, "'tools'"],
    ] as const) {
      const err = refused({ model: 'x', input: 'go', tool_choice, ...(withTools ? { tools } : {}) } as any);
      expect([err.status, err.param]).toEqual([400, 'tool_choice']);
      expect(err.message).toContain(words);
    }
    // What needs no tool, or names one that is there, passes.
    for (const tool_choice of ['none', 'auto', 'required', { type: 'function', name: 'get_weather' }]) {
      expect(() => responsesToChat({ model: 'x', input: 'go', tools, tool_choice } as any, opts)).not.toThrow();
    }
    expect(() => responsesToChat({ model: 'x', input: 'go', tool_choice: 'none' }, opts)).not.toThrow();
  });

  test('history from previous_response_id comes before the new input, after the instructions', () => {
    const { chat, conversation } = responsesToChat(
      { model: 'x', instructions: 'New rules.', input: 'And tomorrow?' },
      { ...opts, history: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: 'Sunny.' }] },
    );
    expect(chat.messages.map((m: any) => m.content)).toEqual(['New rules.', 'Weather?', 'Sunny.', 'And tomorrow?']);
    expect(conversation).toHaveLength(3);
  });

  test('built-in tools are refused by name', () => {
    for (const type of ['web_search', 'file_search', 'code_interpreter', 'computer_use_preview', 'image_generation', 'mcp']) {
      const err = refused({ model: 'x', input: 'hi', tools: [{ type: 'function', name: 'ok' }, { type }] });
      expect(err.status).toBe(400);
      expect(err.message).toContain(`'${type}'`);
      expect(err.message).toContain('deepseek');
      expect(err.param).toBe('tools[1]');
    }
  });

  test('inputs and options the bridge cannot honour are 400s', () => {
    expect(refused({ model: 'x', input: [{ type: 'web_search_call', id: 'ws_1' }] }).param).toBe('input[0]');
    expect(refused({ model: 'x', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }).param).toBe('input[0].content[0]');
    expect(refused({ model: 'x', input: 'hi', background: true, store: false }).param).toBe('store');
    expect(refused({ model: 'x', input: 'hi', tool_choice: { type: 'web_search_preview' } }).param).toBe('tool_choice');
    expect(refused({ model: 'x' }).param).toBe('input');
  });

  test("paramOf: a chat request's field as the client's Responses field it came from", () => {
    const history = [{ role: 'user' as const, content: 'before' }, { role: 'assistant' as const, content: 'ok' }];
    const req = {
      model: 'x', instructions: 'Be brief.',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'a' }, { type: 'input_image', image_url: 'data:image/png;base64,AA==' }] },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
        { type: 'function_call', call_id: 'c2', name: 'g', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_image', image_url: 'data:image/png;base64,AA==' }] },
        { type: 'function_call_output', call_id: 'c2', output: 'x' },
      ],
      tools: [{ type: 'function', name: 'f' }, { type: 'function', name: 'g' }],
      tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'g' }] },
    } as ResponsesRequest;
    const { chat, paramOf } = responsesToChat(req, { ...opts, history });
    const sent = chat.messages as any[];
    // system, 2 history, user (input[0]), assistant with both calls (input[1]), 2 tool messages (input[3], input[4]), the tool's image (input[3]).
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'tool', 'tool', 'user']);
    const of = (p: string) => paramOf(p, sent);
    expect(['messages[0].content', 'messages[2]', 'messages[3].content[1].type', 'messages[4].tool_calls[1]', 'messages[6]', 'messages[7].content[0]', 'messages[9]'].map(of))
      .toEqual(['instructions', 'previous_response_id', 'input[0].content[1]', 'input[1]', 'input[4]', 'input[3]', 'input']);
    expect(['response_format.json_schema.schema', 'response_format.type', 'max_tokens', 'reasoning_effort', 'tools[0].function.parameters', 'tools[0]', 'temperature'].map(of))
      .toEqual(['text.format.schema', 'text.format', 'max_output_tokens', 'reasoning.effort', 'tools[1].parameters', 'tools[1]', 'temperature']);
    // Fewer messages sent (truncation dropped the oldest): each is still found.
    expect(paramOf('messages[1].content[1]', [sent[0], ...sent.slice(3)])).toBe('input[0].content[1]');
  });

  test("a function tool's parameters that are no schema object, a description that is no string, a text.format schema that is none: 400s naming the client's field", () => {
    const tool = (t: object) => ({ model: 'x', input: 'hi', tools: [{ type: 'function', name: 'ok' }, { type: 'function', name: 'f', ...t }] }) as ResponsesRequest;
    for (const parameters of ['x', 5, [1], true]) expect(refused(tool({ parameters })).param).toBe('tools[1].parameters');
    expect(refused(tool({ description: 5 })).param).toBe('tools[1].description');
    for (const schema of [null, 'x', [{ type: 'object' }]]) {
      expect(refused({ model: 'x', input: 'hi', text: { format: { type: 'json_schema', name: 'n', schema } } } as any).param).toBe('text.format');
    }
    // What OpenAI takes goes through: no parameters at all, null ones, a schema object.
    const ok = responsesToChat(tool({ parameters: { type: 'object', properties: {} }, description: null }), opts);
    expect(ok.chat.tools!.map((t: any) => t.function.parameters)).toEqual([undefined, { type: 'object', properties: {} }]);
  });
});
