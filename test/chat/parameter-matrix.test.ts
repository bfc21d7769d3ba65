/**
 * The parameter matrix: OpenAI chat parameters x every provider's models, sent with the official
 * openai client through the real gateway to fake upstreams, streamed and not. Each cell says what
 * the provider must get (the parameter translated, passed on, or left out where that is harmless
 * and the README says so) or that the gateway refuses it with OpenAI's 400 naming it, before any
 * call, the same way streamed and not. The README's "Parameters by provider" table says the same.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { jsonResponse, replay, replayJson, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { fixtureJson as geminiJson, fixtureSse as geminiSse } from '../gemini/helpers';
import { anthropicJson, anthropicSse } from '../anthropic/fake-anthropic';

setDefaultTimeout(30_000);

type Provider = 'openai' | 'gemini' | 'deepseek' | 'moonshot' | 'grok' | 'ollama' | 'anthropic';
/** The models of the matrix: each provider's plain and reasoning models where their rules differ. */
const ROWS = {
  'gpt-4o-mini': 'openai',
  'o4-mini': 'openai',
  'gemini-2.5-flash': 'gemini',
  'deepseek-chat': 'deepseek',
  'deepseek-reasoner': 'deepseek',
  'kimi-k2-0905-preview': 'moonshot',
  'kimi-k2.6': 'moonshot',
  'grok-3-mini': 'grok',
  'grok-4': 'grok',
  'qwen3:8b': 'ollama',
  'claude-sonnet-4-5': 'anthropic',
} as const satisfies Record<string, Provider>;
type Model = keyof typeof ROWS;
const MODELS = Object.keys(ROWS) as Model[];

/**
 * `sent`: checks the body the provider got; `refused`: the 400's param (code unsupported_parameter,
 * or `code`: each is one a group walks past); `invalid`: a 400 of request validation naming the param.
 */
type Outcome = { sent: (body: any, model: Model) => void } | { refused: string; code?: string } | { invalid: string };
interface Cell {
  name: string;
  params: Record<string, unknown>;
  messages?: unknown[];
  /** Per model; `default` for the rest. */
  expect: Partial<Record<Model | 'default', Outcome>>;
}

const passed = (field: string) => ({ sent: (b: any, _m: Model) => expect(b).toHaveProperty([field]) }) as Outcome;
const absent = (...fields: string[]) => ({ sent: (b: any) => fields.forEach((f) => expect(b).not.toHaveProperty([f])) }) as Outcome;
const gen = (config: Record<string, unknown>) => ({ sent: (b: any) => expect(b.generationConfig).toMatchObject(config) }) as Outcome;
const refused = (param: string, code?: string): Outcome => ({ refused: param, code });
const invalid = (param: string): Outcome => ({ invalid: param });

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

const WAV_BASE64 = Buffer.from('RIFF0000WAVEfmt ').toString('base64');
const AUDIO_PART = [{ role: 'user', content: [{ type: 'text', text: 'What is said?' }, { type: 'input_audio', input_audio: { data: WAV_BASE64, format: 'wav' } }] }];

const CELLS: Cell[] = [
  {
    name: 'n: 3',
    params: { n: 3 },
    expect: {
      default: { sent: (b) => expect(b.n).toBe(3) },
      'gemini-2.5-flash': gen({ candidateCount: 3 }),
      'deepseek-chat': refused('n'),
      'deepseek-reasoner': refused('n'),
      'qwen3:8b': refused('n'),
      'claude-sonnet-4-5': refused('n'),
    },
  },
  {
    name: 'logprobs with top_logprobs',
    params: { logprobs: true, top_logprobs: 2 },
    expect: {
      default: { sent: (b) => expect(b).toMatchObject({ logprobs: true, top_logprobs: 2 }) },
      'gemini-2.5-flash': refused('logprobs'),
      'deepseek-reasoner': refused('logprobs'),
      'claude-sonnet-4-5': refused('logprobs'),
    },
  },
  {
    name: 'top_logprobs alone',
    params: { top_logprobs: 2 },
    expect: {
      default: passed('top_logprobs'),
      'gemini-2.5-flash': refused('top_logprobs'),
      'deepseek-reasoner': refused('top_logprobs'),
      'claude-sonnet-4-5': refused('top_logprobs'),
    },
  },
  {
    name: 'presence and frequency penalties',
    params: { presence_penalty: 0.5, frequency_penalty: 0.25 },
    expect: {
      default: { sent: (b) => expect(b).toMatchObject({ presence_penalty: 0.5, frequency_penalty: 0.25 }) },
      'gemini-2.5-flash': gen({ presencePenalty: 0.5, frequencyPenalty: 0.25 }),
      'kimi-k2.6': absent('presence_penalty', 'frequency_penalty'),
      'grok-3-mini': absent('presence_penalty', 'frequency_penalty'),
      'grok-4': absent('presence_penalty', 'frequency_penalty'),
      'claude-sonnet-4-5': refused('presence_penalty'),
    },
  },
  {
    name: 'logit_bias',
    params: { logit_bias: { '50256': -100 } },
    expect: {
      default: { sent: (b) => expect(b.logit_bias).toEqual({ '50256': -100 }) },
      'gemini-2.5-flash': refused('logit_bias'),
      'qwen3:8b': refused('logit_bias'),
      'claude-sonnet-4-5': refused('logit_bias'),
    },
  },
  {
    name: 'an empty logit_bias (biases nothing)',
    params: { logit_bias: {} },
    expect: {
      default: passed('logit_bias'),
      'gemini-2.5-flash': absent('logit_bias'),
      'qwen3:8b': { sent: () => {} },
      'claude-sonnet-4-5': absent('logit_bias'),
    },
  },
  {
    name: 'seed',
    params: { seed: 7 },
    expect: { default: { sent: (b) => expect(b.seed).toBe(7) }, 'gemini-2.5-flash': gen({ seed: 7 }), 'claude-sonnet-4-5': absent('seed') },
  },
  {
    name: 'stop as a string',
    params: { stop: 'END' },
    expect: {
      default: { sent: (b) => expect(b.stop).toBe('END') },
      'gemini-2.5-flash': gen({ stopSequences: ['END'] }),
      'grok-3-mini': refused('stop'),
      'grok-4': refused('stop'),
      'claude-sonnet-4-5': { sent: (b) => expect(b.stop_sequences).toEqual(['END']) },
    },
  },
  {
    name: 'stop as an array',
    params: { stop: ['END', 'STOP'] },
    expect: {
      default: { sent: (b) => expect(b.stop).toEqual(['END', 'STOP']) },
      'gemini-2.5-flash': gen({ stopSequences: ['END', 'STOP'] }),
      'grok-3-mini': refused('stop'),
      'grok-4': refused('stop'),
      'claude-sonnet-4-5': { sent: (b) => expect(b.stop_sequences).toEqual(['END', 'STOP']) },
    },
  },
  { name: 'stop with 5 entries (OpenAI takes 4)', params: { stop: ['a', 'b', 'c', 'd', 'e'] }, expect: { default: invalid('stop') } },
  {
    name: 'temperature 1.5',
    params: { temperature: 1.5 },
    expect: {
      default: { sent: (b) => expect(b.temperature).toBe(1.5) },
      'o4-mini': absent('temperature'),
      'gemini-2.5-flash': gen({ temperature: 1.5 }),
      'kimi-k2-0905-preview': { sent: (b) => expect(b.temperature).toBe(1) },
      'kimi-k2.6': absent('temperature'),
      'claude-sonnet-4-5': refused('temperature'),
    },
  },
  { name: 'temperature 2.5 (above OpenAI 2)', params: { temperature: 2.5 }, expect: { default: invalid('temperature') } },
  {
    name: 'top_p',
    params: { top_p: 0.5 },
    expect: {
      default: { sent: (b) => expect(b.top_p).toBe(0.5) },
      'o4-mini': absent('top_p'),
      'gemini-2.5-flash': gen({ topP: 0.5 }),
      'kimi-k2.6': absent('top_p'),
    },
  },
  {
    name: 'max_tokens and max_completion_tokens both: max_completion_tokens counts',
    params: { max_tokens: 100, max_completion_tokens: 50 },
    expect: {
      // OpenAI's own models judge the pair themselves (its 400 for both at once comes back as sent).
      default: { sent: (b) => expect(b).toMatchObject({ max_tokens: 100, max_completion_tokens: 50 }) },
      'o4-mini': { sent: (b) => (expect(b.max_completion_tokens).toBe(50), expect(b).not.toHaveProperty(['max_tokens'])) },
      'gemini-2.5-flash': gen({ maxOutputTokens: 50 }),
      'deepseek-chat': { sent: (b) => (expect(b.max_tokens).toBe(50), expect(b).not.toHaveProperty(['max_completion_tokens'])) },
      'deepseek-reasoner': { sent: (b) => (expect(b.max_tokens).toBe(50), expect(b).not.toHaveProperty(['max_completion_tokens'])) },
      'kimi-k2-0905-preview': { sent: (b) => (expect(b.max_tokens).toBe(50), expect(b).not.toHaveProperty(['max_completion_tokens'])) },
      'kimi-k2.6': { sent: (b) => (expect(b.max_tokens).toBe(50), expect(b).not.toHaveProperty(['max_completion_tokens'])) },
      'qwen3:8b': { sent: (b) => (expect(b.max_tokens).toBe(50), expect(b).not.toHaveProperty(['max_completion_tokens'])) },
      'claude-sonnet-4-5': { sent: (b) => expect(b.max_tokens).toBe(50) },
    },
  },
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
      'claude-sonnet-4-5': { sent: (b) => (expect(b.tool_choice.type).toBe('tool'), expect(b.tools[0].input_schema.$defs).toEqual(SCHEMA.$defs)) },
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
  {
    name: 'audio output (modalities, audio)',
    params: { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } },
    expect: {
      default: refused('modalities'),
      'gpt-4o-mini': { sent: (b) => expect(b).toMatchObject({ modalities: ['text', 'audio'], audio: { voice: 'alloy' } }) },
      'o4-mini': passed('modalities'),
    },
  },
  {
    name: 'web_search_options',
    params: { web_search_options: {} },
    expect: {
      default: refused('web_search_options'),
      'gpt-4o-mini': passed('web_search_options'),
      'o4-mini': passed('web_search_options'),
      // xAI judges it (its chat API has had its own live search options).
      'grok-3-mini': passed('web_search_options'),
      'grok-4': passed('web_search_options'),
    },
  },
  {
    name: 'prediction (a latency hint)',
    params: { prediction: { type: 'content', content: 'Hello' } },
    expect: { default: passed('prediction'), 'gemini-2.5-flash': absent('prediction'), 'claude-sonnet-4-5': refused('prediction') },
  },
  {
    name: 'store, metadata, service_tier, user',
    params: { store: true, metadata: { app: 'matrix' }, service_tier: 'auto', user: 'user-1' },
    expect: {
      default: { sent: (b) => expect(b).toMatchObject({ store: true, metadata: { app: 'matrix' }, service_tier: 'auto', user: 'user-1' }) },
      'gemini-2.5-flash': absent('store', 'metadata', 'service_tier', 'user'),
      'claude-sonnet-4-5': { sent: (b) => (expect(b.metadata).toEqual({ user_id: 'user-1' }), expect(b).not.toHaveProperty(['service_tier'])) },
    },
  },
  {
    name: 'reasoning_effort high',
    params: { reasoning_effort: 'high' },
    expect: {
      default: { sent: (b) => expect(b.reasoning_effort).toBe('high') },
      'gpt-4o-mini': absent('reasoning_effort'),
      'grok-4': absent('reasoning_effort'),
      'gemini-2.5-flash': gen({ thinkingConfig: { thinkingBudget: 24576, includeThoughts: true } }),
      'claude-sonnet-4-5': { sent: (b) => expect(b.thinking).toEqual({ type: 'enabled', budget_tokens: 24576 }) },
    },
  },
  {
    name: 'developer role and a message name',
    params: {},
    messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'Hello', name: 'alice' }],
    expect: {
      default: { sent: (b) => expect(b.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello', name: 'alice' }]) },
      'gpt-4o-mini': { sent: (b) => expect(b.messages[0].role).toBe('developer') },
      'o4-mini': { sent: (b) => expect(b.messages[0].role).toBe('developer') },
      'gemini-2.5-flash': { sent: (b) => (expect(b.systemInstruction.parts[0].text).toBe('Be brief.'), expect(b.contents).toHaveLength(1)) },
      'claude-sonnet-4-5': { sent: (b) => (expect(JSON.stringify(b.system)).toContain('Be brief.'), expect(b.messages).toHaveLength(1)) },
    },
  },
  {
    name: 'an input_audio part',
    params: {},
    messages: AUDIO_PART,
    expect: {
      // OpenAI's audio models take it; xAI, Moonshot and Ollama read text and images only, DeepSeek text.
      default: refused('messages[0].content[1].type'),
      'gpt-4o-mini': { sent: (b) => expect(b.messages.at(-1).content[1]).toEqual(AUDIO_PART[0]!.content[1]) },
      'o4-mini': { sent: (b) => expect(b.messages.at(-1).content[1]).toEqual(AUDIO_PART[0]!.content[1]) },
      'gemini-2.5-flash': { sent: (b) => expect(b.contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'audio/wav', data: WAV_BASE64 } }) },
      'claude-sonnet-4-5': refused('messages[0].content[1].type', 'unsupported_content'),
    },
  },
];

// ---- the fakes and the gateway -------------------------------------------------------------

const reply: Record<Provider, FakeHandler> = {
  openai: compatible('openai'),
  deepseek: compatible('deepseek'),
  moonshot: compatible('moonshot'),
  grok: compatible('grok'),
  ollama: compatible('ollama'),
  gemini: (req) =>
    new URL(req.url).pathname.includes('streamGenerateContent')
      ? new Response(geminiSse('text.chunks.txt'), { headers: { 'content-type': 'text/event-stream' } })
      : jsonResponse(geminiJson('text.json')),
  anthropic: (_req, rec) => (rec.body?.stream ? anthropicSse('text.sse') : jsonResponse(anthropicJson('text.json'))),
};
function compatible(id: string): FakeHandler {
  return (req, rec, fake) => (rec.body?.stream ? replay(id, 'text.chunks.txt') : replayJson(id, 'chat.json'))(req, rec, fake);
}

const fakes = {} as Record<Provider, FakeUpstream>;
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  const env: Record<string, string> = {};
  for (const p of new Set(Object.values(ROWS))) {
    fakes[p] = startFakeUpstream(reply[p]);
    // Gemini's and Anthropic's base URLs are the host root (the adapters add their paths).
    Object.assign(env, providerEnv(p, p === 'gemini' || p === 'anthropic' ? fakes[p].url : `${fakes[p].url}/v1`));
  }
  gw = await startGateway({ env });
  client = gw.openai();
  gw.ctx.db.insert(modelGroups).values([
    { name: 'matrix-ollama-first', strategy: 'heuristic', targets: ['ollama/qwen3:8b', 'openai/gpt-4o-mini'], logicLevel: null, primaryUse: 'matrix', settings: {}, updatedAt: Date.now() },
    { name: 'matrix-claude-first', strategy: 'heuristic', targets: ['anthropic/claude-sonnet-4-5', 'openai/gpt-4o-mini'], logicLevel: null, primaryUse: 'matrix', settings: {}, updatedAt: Date.now() },
    { name: 'matrix-reasoner-first', strategy: 'heuristic', targets: ['deepseek/deepseek-reasoner', 'openai/gpt-4o-mini'], logicLevel: null, primaryUse: 'matrix', settings: {}, updatedAt: Date.now() },
  ]).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  for (const f of Object.values(fakes)) f.close();
});

async function send(model: Model, cell: Cell, stream: boolean): Promise<void> {
  const body = {
    model: `${ROWS[model]}/${model}`,
    messages: cell.messages ?? [{ role: 'user', content: 'Hello' }],
    ...cell.params,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  } as any;
  const answer = await client.chat.completions.create(body);
  if (stream) for await (const _ of answer as any);
}

for (const cell of CELLS) {
  describe(cell.name, () => {
    for (const model of MODELS) {
      const outcome = cell.expect[model] ?? cell.expect.default!;
      for (const stream of [false, true]) {
        const mode = stream ? 'stream' : 'JSON';
        const fake = () => fakes[ROWS[model]];
        if ('sent' in outcome) {
          test(`${model} (${mode}): goes up as the provider takes it`, async () => {
            const before = fake().requests.length;
            await send(model, cell, stream);
            expect(fake().requests.length).toBe(before + 1);
            outcome.sent(fake().last().body, model);
          });
        } else {
          const param = 'refused' in outcome ? outcome.refused : outcome.invalid;
          test(`${model} (${mode}): 400 naming ${param}, before any call`, async () => {
            const before = fake().requests.length;
            const e = await apiError(send(model, cell, stream));
            expect(e.status).toBe(400);
            expect((e.error as any).param).toBe(param);
            if ('refused' in outcome) expect((e.error as any).code).toBe(outcome.code ?? 'unsupported_parameter');
            expect(e.message).not.toMatch(/stack|TypeError/);
            expect(fake().requests.length).toBe(before);
          });
        }
      }
    }
  });
}

describe('a group walks past a target that refuses a parameter', () => {
  const cases: { group: string; params: Record<string, unknown> }[] = [
    { group: 'matrix-ollama-first', params: { n: 2 } },
    { group: 'matrix-reasoner-first', params: { logprobs: true, top_logprobs: 1 } },
    { group: 'matrix-claude-first', params: { messages: AUDIO_PART } },
  ];
  for (const { group, params } of cases) {
    test(`${group} with ${Object.keys(params).join(', ')}: OpenAI answers`, async () => {
      const before = fakes.openai.requests.length;
      const res = await client.chat.completions.create({ model: group, messages: [{ role: 'user', content: 'Hello' }], ...params } as any).withResponse();
      expect(res.response.headers.get('x-gophergate-provider')).toBe('openai');
      expect(fakes.openai.requests.length).toBe(before + 1);
      expect(fakes.openai.last().body).toMatchObject(params);
    });
  }
});
