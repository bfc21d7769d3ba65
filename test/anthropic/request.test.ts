/** OpenAI chat request -> Anthropic Messages body: the pure mapping, case by case. */
import { noDocumentFetch } from '../gemini/helpers';
import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { buildAnthropicRequest } from '../../src/providers/anthropic/anthropic-request';
import { planTokens } from '../../src/providers/anthropic/anthropic-limits';
import { takesOutputFormat } from '../../src/providers/anthropic/json-output';
import type { AdapterDeps, ChatRequest } from '../../src/providers/types';

const deps: AdapterDeps = {
  fetchImage: async (url) => {
    if (url.endsWith('.svg')) return { mimeType: 'image/svg+xml', base64: 'PHN2Zz4=' };
    return { mimeType: 'image/jpeg', base64: '/9j/4AAQ' };
  },
  fetchDocument: noDocumentFetch,
};
const ctx = { model: 'claude-sonnet-4-5', stream: false, clientWantsUsage: false };
const build = (req: Record<string, unknown>, c = ctx) => buildAnthropicRequest({ model: 'x', ...req } as ChatRequest, c, deps);
const refused = async (req: Record<string, unknown>, c = ctx) => {
  const err = await build(req, c).then(() => null, (e) => e);
  expect(err).toBeInstanceOf(ApiError);
  expect(err.status).toBe(400);
  return err as ApiError;
};
const user = (content: unknown) => ({ role: 'user', content });
const call = (id: string, name = 'f', args = '{}') => ({ id, type: 'function', function: { name, arguments: args } });

describe('messages', () => {
  test('system and developer messages, wherever they stand, join the top-level system', async () => {
    const body = await build({ messages: [{ role: 'system', content: 'A' }, user('hi'), { role: 'developer', content: [{ type: 'text', text: 'B' }] }] });
    expect(body.system).toEqual([{ type: 'text', text: 'A' }, { type: 'text', text: 'B' }]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  test('parallel tool results merge into one user turn, ahead of the text that follows', async () => {
    const body = await build({
      messages: [
        user('go'),
        { role: 'assistant', content: null, tool_calls: [call('call_1', 'a'), call('call_2', 'b', '{"x":1}')] },
        { role: 'tool', tool_call_id: 'call_1', content: 'r1' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'r2' }] },
        user('and?'),
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'a', input: {} }, { type: 'tool_use', id: 'call_2', name: 'b', input: { x: 1 } }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: 'r1' }] },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: 'r2' }] },
          { type: 'text', text: 'and?' },
        ],
      },
    ]);
  });

  test('tool call ids Anthropic would refuse are rewritten the same way on the call and its result', async () => {
    const body = await build({ messages: [user('go'), { role: 'assistant', content: '', tool_calls: [call('fc.abc/1')] }, { role: 'tool', tool_call_id: 'fc.abc/1', content: '' }] });
    expect((body.messages[1]!.content[0] as any).id).toBe('fc_abc_1');
    expect((body.messages[2]!.content[0] as any)).toEqual({ type: 'tool_result', tool_use_id: 'fc_abc_1', content: '' });
  });

  test('cache_control on content parts and tools is carried to the blocks untouched', async () => {
    const cc = { type: 'ephemeral', ttl: '1h' };
    const body = await build({
      messages: [{ role: 'system', content: [{ type: 'text', text: 'big', cache_control: cc }] }, user([{ type: 'text', text: 'q', cache_control: { type: 'ephemeral' } }])],
      tools: [{ type: 'function', function: { name: 't' }, cache_control: cc }],
    });
    expect(body.system).toEqual([{ type: 'text', text: 'big', cache_control: cc as any }]);
    expect(body.messages[0]!.content).toEqual([{ type: 'text', text: 'q', cache_control: { type: 'ephemeral' } }]);
    expect(body.tools).toEqual([{ name: 't', input_schema: { type: 'object', properties: {} }, cache_control: cc as any }]);
  });

  test('images: data URIs inline, remote URLs through the fetcher; other types and parts are a 400', async () => {
    const body = await build({
      messages: [user([{ type: 'image_url', image_url: { url: 'data:image/webp;base64,UklGR' } }, { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } }])],
    });
    expect(body.messages[0]!.content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/webp', data: 'UklGR' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
    ]);
    expect((await refused({ messages: [user([{ type: 'image_url', image_url: { url: 'https://example.com/a.svg' } }])] })).param).toBe('messages[0].content[0].image_url.url');
    expect((await refused({ messages: [user([{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }])] })).param).toBe('messages[0].content[0].type');
  });

  test('an inline PDF file part becomes a document block; a file id is a 400', async () => {
    const body = await build({ messages: [user([{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'a.pdf' } }])] });
    expect(body.messages[0]!.content).toEqual([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' }, title: 'a.pdf' }]);
    await refused({ messages: [user([{ type: 'file', file: { file_id: 'file-1' } }])] });
  });

  test('thinking_blocks on an assistant message go first, signature and redacted blocks intact', async () => {
    const blocks = [{ type: 'thinking', thinking: 't', signature: 'sig' }, { type: 'redacted_thinking', data: 'opaque' }];
    const body = await build({ messages: [user('q'), { role: 'assistant', content: 'a', thinking_blocks: blocks, tool_calls: [call('toolu_1')] }, { role: 'tool', tool_call_id: 'toolu_1', content: 'r' }] });
    expect(body.messages[1]!.content).toEqual([...blocks, { type: 'text', text: 'a' }, { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] as any);
    expect((await refused({ messages: [{ role: 'assistant', content: 'a', thinking_blocks: [{ type: 'thinking' }] }] })).param).toBe('messages[0].thinking_blocks[0]');
  });

  test('bad input is a 400 naming the field', async () => {
    expect((await refused({ messages: [{ role: 'function', name: 'f', content: 'x' }] })).param).toBe('messages[0].role');
    expect((await refused({ messages: [user('q'), { role: 'assistant', content: null, tool_calls: [call('c', 'f', '[1]')] }] })).param).toBe('messages[1].tool_calls[0].function.arguments');
    expect((await refused({ messages: [{ role: 'system', content: 'only system' }] })).param).toBe('messages');
  });
});

describe('parameters', () => {
  test('stop, sampling, user and the default max_tokens', async () => {
    const body = await build({ messages: [user('q')], stop: 'END', top_p: 0.9, top_k: 40, user: 'u-1', seed: 7, store: true });
    expect(body).toEqual({
      model: 'claude-sonnet-4-5', max_tokens: 8192, messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }],
      stop_sequences: ['END'], top_p: 0.9, top_k: 40, metadata: { user_id: 'u-1' },
    });
    expect((await build({ messages: [user('q')], max_completion_tokens: 50, max_tokens: 70 })).max_tokens).toBe(50);
    expect((await build({ messages: [user('q')] }, { ...ctx, model: 'claude-3-haiku-20240307' })).max_tokens).toBe(4096);
    expect((await build({ messages: [user('q')] }, { ...ctx, stream: true })).stream).toBe(true);
  });

  test('tools and every tool_choice form', async () => {
    const tools = [{ type: 'function', function: { name: 'get', description: 'd', parameters: { type: 'object', properties: { a: { type: 'string' } } } } }];
    const choice = async (tool_choice: unknown, extra = {}) => (await build({ messages: [user('q')], tools, tool_choice, ...extra })).tool_choice;
    expect(await choice('auto')).toEqual({ type: 'auto' });
    expect(await choice('required')).toEqual({ type: 'any' });
    expect(await choice('none')).toEqual({ type: 'none' });
    expect(await choice({ type: 'function', function: { name: 'get' } })).toEqual({ type: 'tool', name: 'get' });
    expect(await choice(undefined, { parallel_tool_calls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(await choice('required', { parallel_tool_calls: false })).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect((await build({ messages: [user('q')], tool_choice: 'auto' })).tool_choice).toBeUndefined();
    const untyped = await build({ messages: [user('q')], tools: [{ type: 'function', function: { name: 'g', parameters: { properties: {} } } }] });
    expect(untyped.tools![0]!.input_schema).toEqual({ type: 'object', properties: {} });
    expect((await refused({ messages: [user('q')], tools: [{ type: 'custom', custom: { name: 'x' } }] })).param).toBe('tools[0].type');
    expect((await refused({ messages: [user('q')], tools, tool_choice: { type: 'allowed_tools' } })).param).toBe('tool_choice');
  });

  test('what Anthropic cannot honour is a 400 naming the parameter', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ n: 3 }, 'n'], [{ logprobs: true }, 'logprobs'], [{ top_logprobs: 2 }, 'top_logprobs'], [{ logit_bias: { '1': 5 } }, 'logit_bias'],
      [{ presence_penalty: 0.5 }, 'presence_penalty'], [{ frequency_penalty: -1 }, 'frequency_penalty'], [{ modalities: ['text', 'audio'] }, 'modalities'],
      [{ temperature: 1.5 }, 'temperature'],
      [{ prediction: { type: 'content', content: 'x' } }, 'prediction'],
    ];
    for (const [extra, param] of cases) {
      const err = await refused({ messages: [user('q')], ...extra });
      expect(err.param).toBe(param);
      expect(err.code).toBe('unsupported_parameter');
    }
    // Neutral values ask for nothing and pass.
    await build({ messages: [user('q')], n: 1, logprobs: false, presence_penalty: 0, frequency_penalty: 0, logit_bias: {}, response_format: { type: 'text' } });
  });

  test('reasoning_effort -> thinking budget, max_tokens above it; none, explicit thinking, unknown effort', async () => {
    const t = async (extra: Record<string, unknown>) => {
      const b = await build({ messages: [user('q')], ...extra });
      return [b.thinking, b.max_tokens];
    };
    expect(await t({ reasoning_effort: 'low' })).toEqual([{ type: 'enabled', budget_tokens: 1024 }, 1024 + 8192]);
    expect(await t({ reasoning_effort: 'high' })).toEqual([{ type: 'enabled', budget_tokens: 24576 }, 24576 + 8192]);
    expect(await t({ reasoning_effort: 'medium', max_tokens: 20000 })).toEqual([{ type: 'enabled', budget_tokens: 8192 }, 20000]);
    expect(await t({ reasoning_effort: 'medium', max_tokens: 500 })).toEqual([{ type: 'enabled', budget_tokens: 8192 }, 8192 + 500]);
    expect(await t({ reasoning_effort: 'none' })).toEqual([undefined, 8192]);
    expect(await t({ thinking: { type: 'adaptive' }, max_tokens: 3000 })).toEqual([{ type: 'adaptive' }, 3000]);
    expect((await refused({ messages: [user('q')], reasoning_effort: 'extreme' })).param).toBe('reasoning_effort');
  });

  test('thinking is left off when the last tool-use turn came back without its thinking blocks', async () => {
    const lost = [user('q'), { role: 'assistant', content: null, tool_calls: [call('toolu_1')] }, { role: 'tool', tool_call_id: 'toolu_1', content: 'r' }];
    expect((await build({ messages: lost, reasoning_effort: 'high' })).thinking).toBeUndefined();
    const kept = [lost[0], { ...lost[1], thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 's' }] }, lost[2]];
    expect((await build({ messages: kept, reasoning_effort: 'high' })).thinking).toEqual({ type: 'enabled', budget_tokens: 24576 });
  });

  test('response_format JSON on a model without structured outputs (Opus 4.1): one forced tool holding the schema; with tools or thinking a 400', async () => {
    const old = { ...ctx, model: 'claude-opus-4-1' };
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const body = await build({ messages: [user('q')], response_format: { type: 'json_schema', json_schema: { name: 'place', schema, strict: true } } }, old);
    expect(body.tools).toEqual([{ name: 'gophergate_json_output', description: expect.any(String), input_schema: schema }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'gophergate_json_output' });
    expect(body.output_config).toBeUndefined();
    const any = await build({ messages: [user('q')], response_format: { type: 'json_object' } }, old);
    expect(any.tools![0]!.input_schema).toEqual({ type: 'object' });
    const tools = [{ type: 'function', function: { name: 'f' } }];
    const rf = { type: 'json_schema', json_schema: { name: 'place', schema } };
    for (const extra of [{ tools }, { reasoning_effort: 'low' }]) {
      const err = await refused({ messages: [user('q')], ...extra, response_format: rf }, old);
      expect([err.param, err.code]).toEqual(['response_format', 'unsupported_parameter']);
      expect(err.message).toContain('has no structured outputs');
    }
    // json_object names no schema, so it is the forced tool on every model.
    expect((await refused({ messages: [user('q')], tools, response_format: { type: 'json_object' } })).param).toBe('response_format');
    expect((await refused({ messages: [user('q')], reasoning_effort: 'low', response_format: { type: 'json_object' } })).param).toBe('response_format');
    const arraySchema = { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'array' } } };
    expect((await refused({ messages: [user('q')], response_format: arraySchema })).param).toBe('response_format.json_schema.schema');
  });

  test('which Claude models take output_config.format: 4.5 and later, not 3.x, the 4.0 pair or Opus 4.1', () => {
    for (const m of ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', 'claude-haiku-4-5', 'claude-opus-4-5-20251101', 'claude-opus-4-6', 'claude-sonnet-4-6', 'claude-opus-4-7']) expect([m, takesOutputFormat(m)]).toEqual([m, true]);
    for (const m of ['claude-3-5-haiku-20241022', 'claude-3-7-sonnet-latest', 'claude-sonnet-4-20250514', 'claude-opus-4-0', 'claude-opus-4-1', 'claude-opus-4-1-20250805', 'my-deployment']) expect([m, takesOutputFormat(m)]).toEqual([m, false]);
  });

  test('response_format json_schema on Claude 4.5+: output_config.format, no forced tool, the client\'s tools and thinking kept', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
    const rf = { type: 'json_schema', json_schema: { name: 'place', schema, strict: true } };
    const body = await build({ messages: [user('q')], tools, reasoning_effort: 'low', response_format: rf });
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(body.tools!.map((t) => t.name)).toEqual(['f']);
    expect(body.tool_choice).toBeUndefined();
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    // Opus 4.7's adaptive thinking puts its effort in the same output_config.
    const adaptive = await build({ messages: [user('q')], reasoning_effort: 'high', response_format: rf }, { ...ctx, model: 'claude-opus-4-7' });
    expect(adaptive.output_config).toEqual({ effort: 'high', format: { type: 'json_schema', schema } });
  });

  test('the schema made Claude\'s subset: refs inlined, oneOf as anyOf, additionalProperties false, bounds into the description', async () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        age: { type: 'integer', minimum: 0, maximum: 120, description: 'Age in years' },
        tags: { type: 'array', items: { type: 'string', maxLength: 20, format: 'hostname' }, minItems: 1, maxItems: 5 },
        link: { oneOf: [{ type: 'string', format: 'uri' }, { type: 'null' }] },
        home: { $ref: '#/$defs/place' },
        code: { type: 'string', pattern: '^[A-Z]{3}$', format: 'iata' },
      },
      required: ['age', 'home'],
      $defs: { place: { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: true } },
    };
    const body = await build({ messages: [user('q')], response_format: { type: 'json_schema', json_schema: { name: 'p', schema } } });
    expect(body.output_config!.format!.schema).toEqual({
      type: 'object',
      properties: {
        age: { type: 'integer', description: 'Age in years\n\n{minimum: 0, maximum: 120}' },
        tags: { type: 'array', items: { type: 'string', format: 'hostname', description: '{maxLength: 20}' }, minItems: 1, description: '{maxItems: 5}' },
        link: { anyOf: [{ type: 'string', format: 'uri' }, { type: 'null' }] },
        home: { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false },
        code: { type: 'string', description: '{pattern: "^[A-Z]{3}$", format: "iata"}' },
      },
      required: ['age', 'home'],
      additionalProperties: false,
    });
  });

  test('a schema Claude\'s subset cannot hold: the forced tool alone, a 400 unsupported_tool_schema with tools or thinking', async () => {
    const map = { type: 'object', properties: { scores: { type: 'object', additionalProperties: { type: 'number' } } } };
    const tree = { type: 'object', properties: { root: { $ref: '#/$defs/node' } }, $defs: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } } } } };
    for (const [schema, at] of [[map, 'properties.scores'], [tree, 'properties.root.properties.kids.items']] as const) {
      const rf = { type: 'json_schema', json_schema: { name: 's', schema } };
      const alone = await build({ messages: [user('q')], response_format: rf });
      expect([alone.tool_choice, alone.tools![0]!.input_schema, alone.output_config]).toEqual([{ type: 'tool', name: 'gophergate_json_output' }, schema, undefined]);
      const err = await refused({ messages: [user('q')], tools: [{ type: 'function', function: { name: 'f' } }], response_format: rf });
      expect([err.code, err.param]).toEqual(['unsupported_tool_schema', 'response_format.json_schema.schema']);
      expect(err.message).toContain(`at '${at}'`);
      expect((await refused({ messages: [user('q')], reasoning_effort: 'medium', response_format: rf })).code).toBe('unsupported_tool_schema');
    }
  });

  test('planTokens stays within the model output limit', () => {
    expect(planTokens('claude-opus-4-1', undefined, 24576)).toEqual({ maxTokens: 32000, budget: 24576 });
    expect(planTokens('claude-opus-4-1', undefined, 32000)).toEqual({ maxTokens: 32000, budget: 30976 });
    expect(planTokens('claude-sonnet-4-5', 100, null)).toEqual({ maxTokens: 100, budget: null });
  });
});
