import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { claudeModelAlias } from '../../src/messages/claude-model-alias';
import { resolveConcrete } from '../../src/routing/resolve-concrete';
import { chatToMessage, mapStopReason, toAnthropicUsage } from '../../src/messages/chat-to-message';
import { messagesToChat, validateMessagesRequest } from '../../src/messages/messages-to-chat';
import { threadUnsupported, toAnthropicError } from '../../src/messages/anthropic-errors';
import { fromToolUseId, toToolUseId } from '../../src/messages/tool-use-id';
import { UpstreamError } from '../../src/errors/api-error';
import { group, makeSnapshot, model } from '../routing/snapshot-fixture';

const target = (provider: string, upstreamModel = 'm') => ({ model: 'client-name', provider, upstreamModel });
const req = (extra: Record<string, unknown> = {}) =>
  validateMessagesRequest({ model: 'client-name', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra });

function badRequestOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(400);
    return e as ApiError;
  }
  throw new Error('expected a 400');
}

describe('Anthropic request -> chat request', () => {
  test('system string and blocks, system-role messages, max_tokens by provider', () => {
    const chat = messagesToChat(
      req({ system: 'S1', messages: [{ role: 'system', content: [{ type: 'text', text: 'S2' }] }, { role: 'user', content: 'hi' }] }),
      target('deepseek'),
    );
    expect(chat.messages).toEqual([
      { role: 'system', content: 'S1' },
      { role: 'system', content: 'S2' },
      { role: 'user', content: 'hi' },
    ]);
    expect(chat.max_tokens).toBe(100);
    const openai = messagesToChat(req(), target('openai'));
    expect(openai.max_completion_tokens).toBe(100);
    expect(openai.max_tokens).toBeUndefined();
  });

  test('tool_use / tool_result <-> tool_calls / tool messages; images in tool results follow as a user turn', () => {
    const chat = messagesToChat(
      req({
        messages: [
          { role: 'user', content: 'weather?' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'I should call it.', signature: 'sig' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: toToolUseId('get_weather:0'), name: 'get_weather', input: { city: 'Paris' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: toToolUseId('get_weather:0'), content: [{ type: 'text', text: '21C' }, { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } }] },
              { type: 'text', text: 'and tomorrow?' },
            ],
          },
        ],
      }),
      target('moonshot'),
    );
    expect(chat.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning_content: 'I should call it.',
        tool_calls: [{ id: 'get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      } as any,
      { role: 'tool', tool_call_id: 'get_weather:0', content: '21C' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x.test/a.png' } }, { type: 'text', text: 'and tomorrow?' }] },
    ]);
    // Providers that do not take reasoning back get no reasoning_content.
    const openai = messagesToChat(req({ messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: '' }, { type: 'tool_use', id: 'c1', name: 'f', input: {} }] }] }), target('openai'));
    expect((openai.messages[0] as any).reasoning_content).toBeUndefined();
    expect((openai.messages[0] as any).content).toBeNull();
  });

  test('consecutive messages of one role are one turn, as Anthropic combines them; a turn of thinking alone is left out', () => {
    const messages = [
      { role: 'user', content: 'Fix the test.' },
      // The thinking sent apart from the calls it led to (agents that store each block as a message).
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Read, then run.', signature: '' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Reading.' }, { type: 'tool_use', id: 'call_a', name: 'Read', input: {} }, { type: 'tool_use', id: 'call_b', name: 'Bash', input: {} }] },
      // The results split over two messages, a reminder between them.
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_a', content: 'a' }, { type: 'text', text: '<system-reminder>r</system-reminder>' }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_b', content: 'b', is_error: true }] },
      // An answer cut short while it thought: no text, no calls.
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Hmm', signature: '' }] },
      { role: 'user', content: 'Go on.' },
    ];
    const chat = messagesToChat(req({ messages }), target('moonshot', 'kimi-k2-thinking'));
    expect(chat.messages).toEqual([
      { role: 'user', content: 'Fix the test.' },
      {
        role: 'assistant', content: 'Reading.', reasoning_content: 'Read, then run.',
        tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{}' } }, { id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_a', content: 'a' },
      expect.objectContaining({ role: 'tool', tool_call_id: 'call_b', content: 'Error: b' }),
      { role: 'user', content: '<system-reminder>r</system-reminder>' },
      { role: 'user', content: 'Go on.' },
    ] as any);
    // A refusal still names the message and block the client sent.
    const bad = [...messages.slice(0, 2), { role: 'assistant', content: [{ type: 'text', text: 'x' }, { type: 'image' }] }];
    expect(badRequestOf(() => messagesToChat(req({ messages: bad }), target('moonshot'))).param).toBe('messages.2.content.1.type');
  });

  test('tools and tool_choice auto/any/tool/none, disable_parallel_tool_use', () => {
    const tools = [{ name: 'f', description: 'd', input_schema: { type: 'object', properties: {} }, cache_control: { type: 'ephemeral' } }];
    const pick = (tool_choice: unknown) => messagesToChat(req({ tools, tool_choice }), target('openai'));
    expect(pick(undefined).tools).toEqual([{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object', properties: {} } } }]);
    expect(pick({ type: 'auto' }).tool_choice).toBe('auto');
    expect(pick({ type: 'any', disable_parallel_tool_use: true })).toMatchObject({ tool_choice: 'required', parallel_tool_calls: false });
    expect(pick({ type: 'tool', name: 'f' }).tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(pick({ type: 'none' }).tool_choice).toBe('none');
    expect(badRequestOf(() => pick({ type: 'sometimes' })).param).toBe('tool_choice.type');
  });

  test('thinking -> reasoning per provider', () => {
    const thinking = (provider: string, m: string, t: unknown, extra = {}) =>
      messagesToChat(req({ max_tokens: 64_000, thinking: t, ...extra }), target(provider, m)).reasoning_effort;
    const enabled = (budget: number) => ({ type: 'enabled', budget_tokens: budget });
    expect(thinking('openai', 'o4-mini', enabled(2048))).toBe('low');
    expect(thinking('openai', 'gpt-5-mini', enabled(10000))).toBe('medium');
    expect(thinking('openai', 'gpt-4o', enabled(30000))).toBeUndefined();
    expect(thinking('gemini', 'gemini-2.5-flash', enabled(30000))).toBe('high');
    expect(thinking('gemini', 'gemini-2.5-flash', { type: 'disabled' })).toBe('none');
    expect(thinking('gemini', 'gemini-2.5-flash', { type: 'adaptive' }, { output_config: { effort: 'max' } })).toBe('high');
    expect(thinking('grok', 'grok-3-mini', enabled(10000))).toBe('high');
    expect(thinking('grok', 'grok-4', enabled(10000))).toBeUndefined();
    expect(thinking('deepseek', 'deepseek-reasoner', enabled(10000))).toBeUndefined();
    expect(thinking('ollama', 'qwen3:8b', enabled(1024))).toBeUndefined();
    expect(thinking('ollama', 'gpt-oss:20b', enabled(1024))).toBe('low');
    expect(thinking('openai', 'o3', undefined)).toBeUndefined();
  });

  test('a thinking budget is read by its tokens and by its share of max_tokens, the higher effort of the two', () => {
    const effort = (budget: number, max_tokens: number) =>
      messagesToChat(req({ max_tokens, thinking: { type: 'enabled', budget_tokens: budget } }), target('openai', 'o4-mini')).reasoning_effort;
    // Claude Code's think / megathink / ultrathink budgets beside its 32000 max_tokens.
    expect([effort(4000, 32000), effort(10000, 32000), effort(31999, 32000)]).toEqual(['low', 'medium', 'high']);
    // Anthropic's documented example: most of the output for thinking.
    expect(effort(10000, 16000)).toBe('high');
    // The AI SDK's levels on an id it does not know: low (Anthropic's least budget), medium, high.
    expect([effort(1024, 5120), effort(1229, 5325), effort(2458, 6554)]).toEqual(['low', 'medium', 'high']);
    // The least budget stays low however small max_tokens is; a large budget is high however large.
    expect([effort(1024, 1100), effort(20000, 200000)]).toEqual(['low', 'high']);
  });

  test('sampling, stop_sequences, metadata, output_config.format, stream', () => {
    const CLOSED = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const chat = messagesToChat(
      req({
        temperature: 0.2, top_p: 0.9, top_k: 40, stop_sequences: ['END', '###'], stream: true,
        metadata: { user_id: 'user_' + 'a'.repeat(80) }, output_config: { format: { type: 'json_schema', schema: CLOSED } },
      }),
      target('gemini'),
    );
    expect(chat).toMatchObject({ temperature: 0.2, top_p: 0.9, top_k: 40, stop: ['END', '###'], stream: true, stream_options: { include_usage: true } });
    expect(chat.user).toMatch(/^[0-9a-f]{64}$/);
    expect(chat.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema: CLOSED, strict: true } });
    // An object open to other properties is outside chat's strict subset (strict-subset.ts): not strict.
    const open = messagesToChat(req({ output_config: { format: { type: 'json_schema', schema: { type: 'object' } } } }), target('openai'));
    expect(open.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema: { type: 'object' }, strict: false } });
  });

  test('what a provider cannot honour is a 400 naming it', () => {
    // top_k is not one of them: left out where the provider has none (top-k.test.ts).
    expect((messagesToChat(req({ top_k: 5 }), target('openai')) as any).top_k).toBeUndefined();
    expect(badRequestOf(() => messagesToChat(req({ tools: [{ type: 'bash_20250124', name: 'bash' }] }), target('deepseek'))).param).toBe('tools.0.type');
    expect(badRequestOf(() => messagesToChat(req({ mcp_servers: [{}] }), target('grok'))).param).toBe('mcp_servers');
    const format = { output_config: { format: { type: 'json_schema', schema: { type: 'object' } } } };
    expect(badRequestOf(() => messagesToChat(req(format), target('deepseek'))).param).toBe('output_config.format');
    const untyped = [{ role: 'user', content: [{ type: 'text', text: 'a' }, { text: 'no type' }] }];
    expect(badRequestOf(() => messagesToChat(req({ messages: untyped }), target('openai'))).param).toBe('messages.0.content.1');
    const fileImage = [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f1' } }] }];
    expect(badRequestOf(() => messagesToChat(req({ messages: fileImage }), target('openai'))).param).toBe('messages.0.content.0.source.type');
  });

  test('documents: text and base64 PDF', () => {
    const chat = messagesToChat(
      req({
        messages: [{ role: 'user', content: [
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain doc' } },
          { type: 'document', title: 'a.pdf', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
        ] }],
      }),
      target('openai'),
    );
    expect(chat.messages[0]!.content).toEqual([
      { type: 'text', text: 'plain doc' },
      { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
    ]);
  });
});

describe('chat completion -> Anthropic message', () => {
  const completion = (message: any, finish: string, extra: any = {}) =>
    ({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message, finish_reason: finish, logprobs: null, ...extra }] }) as any;

  test('thinking, text and tool_use blocks; usage without cache reads in input_tokens', () => {
    const m = chatToMessage(
      completion({ role: 'assistant', content: 'Let me check.', reasoning_content: 'think', tool_calls: [{ id: 'get_weather:1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] }, 'tool_calls'),
      { id: 'msg_1', model: 'm', usage: { input: 100, cachedInput: 60, output: 30, reasoning: 10 } },
    );
    expect(m).toEqual({
      id: 'msg_1', type: 'message', role: 'assistant', model: 'm',
      content: [
        { type: 'thinking', thinking: 'think', signature: '' },
        { type: 'text', text: 'Let me check.', citations: null },
        { type: 'tool_use', id: toToolUseId('get_weather:1'), name: 'get_weather', input: { city: 'Oslo' }, caller: { type: 'direct' } },
      ],
      stop_reason: 'tool_use', stop_sequence: null, stop_details: null,
      usage: { input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 60, output_tokens: 30, output_tokens_details: { thinking_tokens: 10 } },
    });
    expect(fromToolUseId((m.content[2] as any).id)).toBe('get_weather:1');
  });

  test('stop reasons', () => {
    expect(mapStopReason('stop')).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
    expect(mapStopReason('length')).toEqual({ stop_reason: 'max_tokens', stop_sequence: null });
    expect(mapStopReason('tool_calls')).toEqual({ stop_reason: 'tool_use', stop_sequence: null });
    expect(mapStopReason('content_filter').stop_reason).toBe('refusal');
    // vLLM-style upstreams name the stop sequence they matched.
    const m = chatToMessage(completion({ role: 'assistant', content: 'a' }, 'stop', { stop_reason: '###' }), { id: 'x', model: 'm', usage: null, stopSequences: ['###'] });
    expect(m).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '###' });
    // Only a sequence the client gave, on a `stop` finish, is believed.
    const unasked = chatToMessage(completion({ role: 'assistant', content: 'a' }, 'stop', { stop_reason: '###' }), { id: 'x', model: 'm', usage: null });
    expect(unasked).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
    const refusal = chatToMessage(completion({ role: 'assistant', content: null, refusal: 'No.' }, 'stop'), { id: 'x', model: 'm', usage: null });
    expect(refusal).toMatchObject({ stop_reason: 'refusal', content: [{ type: 'text', text: 'No.' }] });
  });

  test('unparsable tool arguments become an empty input, never a throw', () => {
    const m = chatToMessage(completion({ role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{oops' } }] }, 'tool_calls'), { id: 'x', model: 'm', usage: null });
    expect(m.content).toEqual([{ type: 'tool_use', id: 'a', name: 'f', input: {}, caller: { type: 'direct' } }]);
  });
});

describe('usage in Anthropic convention', () => {
  test('cache writes fill cache_creation_input_tokens; input_tokens leaves out cache reads and writes', () => {
    expect(toAnthropicUsage({ input: 2362, cachedInput: 2048, cacheWrite: 300, output: 7, reasoning: 0 })).toEqual({
      input_tokens: 14, cache_creation_input_tokens: 300, cache_read_input_tokens: 2048, output_tokens: 7,
    });
    expect(toAnthropicUsage({ input: 50, cachedInput: 10, output: 3, reasoning: 0 })).toEqual({
      input_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 10, output_tokens: 3,
    });
    expect(toAnthropicUsage(null)).toEqual({ input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 });
  });
});

describe('tool_use ids', () => {
  test('valid ids pass; others are carried reversibly; a missing one is made', () => {
    expect(toToolUseId('call_abc-1')).toBe('call_abc-1');
    for (const id of ['get_weather:0', 'functions.f:3', 'ünï code', 'toolu_gg_abc']) {
      const t = toToolUseId(id);
      expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(fromToolUseId(t)).toBe(id);
    }
    expect(toToolUseId(undefined)).toMatch(/^toolu_[0-9a-f]{24}$/);
  });
});

describe('errors', () => {
  test('status -> Anthropic type; an upstream 529 stays 529', () => {
    const type = (status: number) => toAnthropicError(new ApiError({ status, message: 'x' })).body.error.type;
    expect([400, 401, 402, 403, 404, 408, 409, 413, 429, 500, 502, 504, 529].map(type)).toEqual([
      'invalid_request_error', 'authentication_error', 'billing_error', 'permission_error', 'not_found_error', 'timeout_error', 'conflict_error', 'request_too_large',
      'rate_limit_error', 'api_error', 'api_error', 'api_error', 'overloaded_error',
    ]);
    const overloaded = toAnthropicError(new UpstreamError('openai', 529, 'busy', true));
    expect(overloaded).toMatchObject({ status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'busy' } } });
    expect(toAnthropicError(new Error('boom')).body.error).toEqual({ type: 'api_error', message: 'Internal gateway error.', details: { error_code: 'internal_error' } });
  });

  test("the gateway's code goes where Anthropic's SDK reads a cause: error.details.error_code; none without a code", () => {
    const budget = new ApiError({ status: 429, message: 'Budget exceeded.', type: 'insufficient_quota', code: 'budget_exceeded' });
    expect(toAnthropicError(budget).body).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'Budget exceeded.', details: { error_code: 'budget_exceeded' } } });
    expect(toAnthropicError(threadUnsupported('openai')).body.error.details).toEqual({ error_code: 'thread_unsupported_request', unsupported: ['provider'] });
    expect(toAnthropicError(new ApiError({ status: 400, message: 'x', code: null })).body.error).toEqual({ type: 'invalid_request_error', message: 'x' });
  });
});

describe('Claude model names', () => {
  test("Claude Code's dated ids go to a family group, else to the seeded tier; servable names stay", () => {
    const snap = makeSnapshot({ disabledProviders: ['anthropic'] });
    expect(claudeModelAlias('claude-sonnet-4-5-20250929', snap)).toBe('heavy-logic');
    expect(claudeModelAlias('claude-opus-4-1-20250805', snap)).toBe('heavy-logic');
    expect(claudeModelAlias('claude-haiku-4-5-20251001', snap)).toBe('fast-flow');
    expect(claudeModelAlias('claude-3-5-haiku-20241022', snap)).toBe('fast-flow');
    expect(claudeModelAlias('gpt-4o', snap)).toBeNull();
    expect(claudeModelAlias('claude-instant-1', snap)).toBeNull();

    const own = makeSnapshot({ groups: [group('claude-sonnet', ['gpt-4o']), group('heavy-logic', ['grok-4.3'])] });
    expect(claudeModelAlias('claude-sonnet-4-5', own)).toBe('claude-sonnet');
    // A Claude id the gateway serves (a model of an enabled provider) is left alone.
    const served = makeSnapshot({ models: [model('claude-sonnet-4-5', 'openai')] });
    expect(claudeModelAlias('claude-sonnet-4-5', served)).toBeNull();
    const off = makeSnapshot({ models: [model('claude-sonnet-4-5', 'openai')], disabledProviders: ['openai'] });
    expect(claudeModelAlias('claude-sonnet-4-5', off)).toBe('heavy-logic');
  });

  test('with the anthropic provider on, a dated id goes to Anthropic as it is (an admin family group still wins)', () => {
    const snap = makeSnapshot({ models: [model('claude-sonnet-4-5', 'anthropic')] });
    expect(claudeModelAlias('claude-sonnet-4-5-20250929', snap)).toBe('anthropic/claude-sonnet-4-5-20250929');
    expect(claudeModelAlias('claude-3-5-haiku-20241022', snap)).toBe('anthropic/claude-3-5-haiku-20241022');
    expect(claudeModelAlias('claude-sonnet-4-5', snap)).toBeNull();
    const own = makeSnapshot({ groups: [group('claude-haiku', ['gpt-4o'])] });
    expect(claudeModelAlias('claude-haiku-4-5-20251001', own)).toBe('claude-haiku');
    // A model the admin disabled is not sent to Anthropic by another name.
    const disabled = makeSnapshot({ models: [model('claude-sonnet-4-5', 'anthropic', false)] });
    expect(claudeModelAlias('claude-sonnet-4-5', disabled)).toBe('heavy-logic');
    // Nor by its provider/id name: that goes where the bare id goes.
    expect(claudeModelAlias('anthropic/claude-sonnet-4-5', disabled)).toBe('heavy-logic');

    // Routing prices a dated Anthropic id as its undated model and sends the dated id upstream.
    const target = resolveConcrete('anthropic/claude-sonnet-4-5-20250929', snap)!;
    expect(target).toMatchObject({ provider: 'anthropic', upstreamModel: 'claude-sonnet-4-5-20250929', modelId: 'anthropic/claude-sonnet-4-5-20250929' });
    expect(target.entry?.id).toBe('claude-sonnet-4-5');
    expect(resolveConcrete('anthropic/claude-opus-9-20990101', snap)!.entry).toBeNull();
    expect(resolveConcrete('openai/claude-sonnet-4-5-20250929', makeSnapshot({ models: [model('claude-sonnet-4-5', 'anthropic')] }))!.entry).toBeNull();
  });
});
