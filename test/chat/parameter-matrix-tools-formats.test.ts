/**
 * The parameter matrix (parameter-matrix-rig.ts), structured output and tools: response_format
 * (json_object, json_schema), tools, tool_choice, parallel_tool_calls.
 */
import { expect } from 'bun:test';
import { absent, gen, refused, useParameterMatrix, type Cell } from './parameter-matrix-rig';

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      strict: true,
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    },
  },
];
const SECOND_TOOL = { type: 'function', function: { name: 'get_time', description: 'Current time in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const SCHEMA = {
  type: 'object',
  properties: { city: { $ref: '#/$defs/city' } },
  required: ['city'],
  additionalProperties: false,
  $defs: { city: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false } },
};

const CELLS: Cell[] = [
  {
    name: 'response_format json_object',
    params: { response_format: { type: 'json_object' } },
    messages: [{ role: 'user', content: 'Answer in JSON.' }],
    expect: {
      default: { sent: (b) => expect(b.response_format).toEqual({ type: 'json_object' }) },
      'gemini-2.5-flash': gen({ responseMimeType: 'application/json' }),
      'claude-sonnet-4-5': { sent: (b) => expect(b.tool_choice.type).toBe('tool') },
    },
  },
  {
    name: 'response_format json_schema, strict, with $defs/$ref and additionalProperties',
    params: { response_format: { type: 'json_schema', json_schema: { name: 'place', strict: true, schema: SCHEMA } } },
    expect: {
      default: { sent: (b) => expect(b.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'place', strict: true, schema: SCHEMA } }) },
      'gemini-2.5-flash': {
        sent: (b) => {
          expect(b.generationConfig.responseMimeType).toBe('application/json');
          expect(b.generationConfig.responseJsonSchema.properties.city).toMatchObject({ type: 'object', required: ['name'] });
          expect(JSON.stringify(b.generationConfig.responseJsonSchema)).not.toContain('$ref');
        },
      },
      'deepseek-chat': refused('response_format'),
      'deepseek-reasoner': refused('response_format'),
      // Kimi's schema subset: the schema is rewritten (moonshot-schema.ts), still a json_schema.
      'kimi-k2-0905-preview': { sent: (b) => expect(b.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'place' } }) },
      'kimi-k2.6': { sent: (b) => expect(b.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'place' } }) },
      // Claude's structured outputs: output_config.format, the $ref inlined (output-schema.ts), no forced tool.
      'claude-sonnet-4-5': {
        sent: (b) => {
          expect([b.tools, b.tool_choice]).toEqual([undefined, undefined]);
          expect(b.output_config.format).toEqual({ type: 'json_schema', schema: { type: 'object', properties: { city: SCHEMA.$defs.city }, required: ['city'], additionalProperties: false } });
        },
      },
    },
  },
  {
    name: 'strict tools, tool_choice required, parallel_tool_calls false',
    params: { tools: TOOLS, tool_choice: 'required', parallel_tool_calls: false },
    expect: {
      default: { sent: (b) => expect(b).toMatchObject({ tool_choice: 'required', parallel_tool_calls: false, tools: [{ function: { name: 'get_weather', strict: true } }] }) },
      'gemini-2.5-flash': { sent: (b) => expect(b.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } }) },
      'deepseek-reasoner': refused('tool_choice'),
      'kimi-k2.6': { sent: (b) => expect(b).toMatchObject({ tool_choice: 'required', parallel_tool_calls: false }) },
      'claude-sonnet-4-5': { sent: (b) => expect(b.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true }) },
    },
  },
  {
    // Ollama ignores tool_choice: it gets only the tools the choice allows (none for 'none').
    name: 'tool_choice naming one of two functions',
    params: { tools: [...TOOLS, SECOND_TOOL], tool_choice: { type: 'function', function: { name: 'get_time' } } },
    expect: {
      default: { sent: (b) => expect([b.tool_choice, b.tools.map((t: any) => t.function.name)]).toEqual([{ type: 'function', function: { name: 'get_time' } }, ['get_weather', 'get_time']]) },
      'qwen3:8b': { sent: (b) => expect(b.tools.map((t: any) => t.function.name)).toEqual(['get_time']) },
      'gemini-2.5-flash': { sent: (b) => expect(b.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } }) },
      'deepseek-reasoner': refused('tool_choice'),
      'claude-sonnet-4-5': { sent: (b) => expect(b.tool_choice).toMatchObject({ type: 'tool', name: 'get_time' }) },
    },
  },
  // OpenAI's allowed_tools: only OpenAI takes it; the others get the tools it allows and its mode (providers/shared/allowed-tools.ts).
  ...(['required', 'auto'] as const).map((mode): Cell => ({
    name: `tool_choice allowed_tools (mode ${mode}) naming one of two functions`,
    params: { tools: [...TOOLS, SECOND_TOOL], tool_choice: { type: 'allowed_tools', allowed_tools: { mode, tools: [{ type: 'function', function: { name: 'get_time' } }] } } },
    expect: {
      default: { sent: (b) => expect([b.tool_choice, b.tools.map((t: any) => t.function.name)]).toEqual([mode, ['get_time']]) },
      'gpt-4o-mini': { sent: (b) => expect([b.tool_choice.type, b.tools.length]).toEqual(['allowed_tools', 2]) },
      'o4-mini': { sent: (b) => expect([b.tool_choice.type, b.tools.length]).toEqual(['allowed_tools', 2]) },
      'gemini-2.5-flash': { sent: (b) => expect([b.toolConfig, b.tools[0].functionDeclarations.map((d: any) => d.name)]).toEqual([{ functionCallingConfig: { mode: mode === 'required' ? 'ANY' : 'AUTO' } }, ['get_time']]) },
      // Always thinking, it cannot be forced (forced-tool-thinking.ts); `auto` goes up as the others'.
      ...(mode === 'required' ? { 'deepseek-reasoner': refused('tool_choice') } : {}),
      'claude-sonnet-4-5': { sent: (b) => expect([b.tool_choice, b.tools.map((t: any) => t.name)]).toEqual([{ type: mode === 'required' ? 'any' : 'auto' }, ['get_time']]) },
    },
  })),
  {
    name: "tool_choice 'none'",
    params: { tools: TOOLS, tool_choice: 'none' },
    expect: {
      default: { sent: (b) => expect([b.tool_choice, b.tools.length]).toEqual(['none', 1]) },
      'qwen3:8b': absent('tools', 'tool_choice'),
      'gemini-2.5-flash': { sent: (b) => expect(b.toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } }) },
      'claude-sonnet-4-5': { sent: (b) => expect(b.tool_choice).toEqual({ type: 'none' }) },
    },
  },
];

useParameterMatrix(CELLS);
