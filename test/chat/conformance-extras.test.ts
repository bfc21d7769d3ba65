/**
 * The conformance table's rarer answers, through the real gateway over HTTP, each answer and
 * stream chunk validated by Ajv against OpenAI's own schemas (test/helpers/openai-schema.ts):
 * a refusal, logprobs and n > 1 from each provider that can give them, in its own wire shape
 * (DeepSeek's and xAI's bare ids, Ollama's and xAI's missing fields), Gemini's two candidates,
 * Anthropic's refusal stop reason, the mock's n choices. A provider that cannot give one (Gemini's
 * logprobs, DeepSeek's and Anthropic's n > 1) refuses it before any call: provider-matrix.test.ts.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { fixtureJson as geminiJson } from '../gemini/helpers';

setDefaultTimeout(30_000);

const COMPATIBLE = ['openai', 'deepseek', 'moonshot', 'grok', 'ollama'] as const;
const MODEL: Record<string, string> = {
  openai: 'openai/gpt-4o-mini', deepseek: 'deepseek/deepseek-chat', moonshot: 'moonshot/kimi-k2-0905-preview',
  grok: 'grok/grok-3-mini', ollama: 'ollama/qwen3:8b', gemini: 'gemini/gemini-2.5-flash', anthropic: 'anthropic/claude-sonnet-4-5',
};

const LOGPROBS = {
  content: [
    { token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105] }, { token: 'Hello', logprob: -4.6, bytes: [72, 101, 108, 108, 111] }] },
    { token: '!', logprob: -0.2, bytes: [33], top_logprobs: [{ token: '!', logprob: -0.2, bytes: [33] }] },
  ],
  refusal: null,
};

/** What an OpenAI-compatible provider's fixture says about itself (id, created, model, extras), over the given choices. */
function completionOf(provider: string, choices: any[]): any {
  const { choices: _c, usage, ...top } = fixtureJson(provider, 'chat.json');
  return { ...top, choices, usage };
}

/** Stream chunks in the provider's own framing (its first recorded chunk's id, model, created), one per delta. */
function chunksOf(provider: string, deltas: { index: number; delta: any; logprobs?: any; finish_reason?: string | null }[], usage: any): string[] {
  const first = JSON.parse(readChunks(provider, 'text.chunks.txt')[0]!);
  const top = { id: first.id, object: 'chat.completion.chunk', created: first.created, model: first.model };
  return [...deltas.map((d) => JSON.stringify({ ...top, choices: [d] })), JSON.stringify({ ...top, choices: [], usage }), '[DONE]'];
}

const USAGE = { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 };

interface Extra {
  name: string;
  body: Record<string, unknown>;
  json: (provider: string) => any;
  chunks: (provider: string) => string[];
  /** What the client must see of it (beyond the schema). */
  see: (choices: any[]) => void;
}

const EXTRAS: Extra[] = [
  {
    name: 'logprobs',
    body: { logprobs: true, top_logprobs: 2 },
    json: (p) => completionOf(p, [{ index: 0, message: { role: 'assistant', content: 'Hi!' }, logprobs: LOGPROBS, finish_reason: 'stop' }]),
    chunks: (p) => chunksOf(p, [
      { index: 0, delta: { role: 'assistant', content: 'Hi' }, logprobs: { content: [LOGPROBS.content[0]], refusal: null }, finish_reason: null },
      { index: 0, delta: { content: '!' }, logprobs: { content: [LOGPROBS.content[1]], refusal: null }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: 'stop' },
    ], USAGE),
    see: (choices) => expect(choices.some((c) => c.logprobs?.content?.length)).toBe(true),
  },
  {
    name: 'n=2',
    body: { n: 2 },
    json: (p) => completionOf(p, [0, 1].map((i) => ({ index: i, message: { role: 'assistant', content: `Answer ${i}` }, finish_reason: 'stop' }))),
    chunks: (p) => chunksOf(p, [0, 1].flatMap((i) => [
      { index: i, delta: { role: 'assistant', content: `Answer ${i}` }, finish_reason: null },
      { index: i, delta: {}, finish_reason: 'stop' },
    ]), USAGE),
    see: (choices) => expect(new Set(choices.map((c) => c.index))).toEqual(new Set([0, 1])),
  },
];

/** OpenAI's own refusal (structured outputs), OpenAI being the provider that sends one. */
const REFUSAL: Extra = {
  name: 'refusal',
  body: { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: {}, additionalProperties: false }, strict: true } } },
  json: (p) => completionOf(p, [{ index: 0, message: { role: 'assistant', content: null, refusal: "I'm sorry, I can't help with that." }, logprobs: null, finish_reason: 'stop' }]),
  chunks: (p) => chunksOf(p, [
    { index: 0, delta: { role: 'assistant', content: null, refusal: '' }, logprobs: null, finish_reason: null },
    { index: 0, delta: { refusal: "I'm sorry, I can't help with that." }, logprobs: null, finish_reason: null },
    { index: 0, delta: {}, logprobs: null, finish_reason: 'stop' },
  ], USAGE),
  see: (choices) => expect(choices.some((c) => c.message?.refusal || c.delta?.refusal)).toBe(true),
};

const fakes: Record<string, FakeUpstream> = {};
let gw: TestGateway;
beforeAll(async () => {
  const env: Record<string, string> = { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' };
  for (const p of [...COMPATIBLE, 'gemini', 'anthropic']) {
    fakes[p] = startFakeUpstream();
    Object.assign(env, providerEnv(p, ['gemini', 'anthropic'].includes(p) ? fakes[p]!.url : `${fakes[p]!.url}/v1`));
  }
  gw = await startGateway({ env });
});
afterAll(async () => {
  await gw.close();
  for (const f of Object.values(fakes)) f.close();
});

/** Sends one chat request, validates what comes back; returns the choices (a stream's, chunk by chunk). */
async function chat(model: string, body: Record<string, unknown>, stream: boolean): Promise<any[]> {
  const res = await gw.fetch('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }], ...body, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) }),
  });
  expect(res.status).toBe(200);
  if (!stream) {
    const answer = await res.json();
    expect(openaiSchemaErrors('CreateChatCompletionResponse', answer)).toEqual([]);
    return answer.choices;
  }
  const payloads = (await res.text()).split('\n\n').filter(Boolean).map((e) => e.slice('data: '.length));
  expect(payloads.at(-1)).toBe('[DONE]');
  const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p));
  for (const c of chunks) expect(openaiSchemaErrors('CreateChatCompletionStreamResponse', c)).toEqual([]);
  expect(chunks.at(-1).choices).toEqual([]);
  expect(chunks.at(-1).usage).toBeTruthy();
  return chunks.flatMap((c) => c.choices);
}

for (const p of COMPATIBLE) {
  describe(p, () => {
    // DeepSeek and Ollama make one choice a request (n > 1 is their 400 before any call: test/chat/parameter-matrix-sampling.test.ts).
    for (const x of [...EXTRAS.filter((x) => !((p === 'deepseek' || p === 'ollama') && x.name === 'n=2')), ...(p === 'openai' ? [REFUSAL] : [])]) {
      for (const stream of [false, true]) {
        test(`${x.name}${stream ? ', streamed' : ''}`, async () => {
          fakes[p]!.handler = (() => (stream ? sseResponse(x.chunks(p)) : jsonResponse(x.json(p)))) satisfies FakeHandler;
          x.see(await chat(MODEL[p]!, x.body, stream));
        });
      }
    }
  });
}

describe('gemini', () => {
  test('n=2: two candidates (one cut by SAFETY) are two choices', async () => {
    fakes.gemini!.handler = () => jsonResponse(geminiJson('two-candidates.json'));
    const choices = await chat(MODEL.gemini!, { n: 2 }, false);
    expect(choices.map((c) => c.finish_reason)).toEqual(['length', 'content_filter']);
  });
  test('n=2, streamed: each candidate its own choice index', async () => {
    const two = geminiJson('two-candidates.json');
    const line = (o: unknown) => `data: ${JSON.stringify(o)}\r\n\r\n`;
    fakes.gemini!.handler = () =>
      new Response(line({ ...two, usageMetadata: undefined, candidates: two.candidates.map((c: any) => ({ ...c, finishReason: undefined })) }) + line({ ...two, candidates: two.candidates.map((c: any) => ({ ...c, content: { role: 'model', parts: [{ text: '' }] } })) }), {
        headers: { 'content-type': 'text/event-stream' },
      });
    const choices = await chat(MODEL.gemini!, { n: 2 }, true);
    expect(new Set(choices.map((c) => c.index))).toEqual(new Set([0, 1]));
  });
});

describe('anthropic', () => {
  const refusal = {
    id: 'msg_01Refusal', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929',
    content: [{ type: 'text', text: 'I can not help with that.' }], stop_reason: 'refusal', stop_sequence: null,
    usage: { input_tokens: 8, output_tokens: 7 },
  };
  test('a refusal stop reason', async () => {
    fakes.anthropic!.handler = () => jsonResponse(refusal);
    const choices = await chat(MODEL.anthropic!, {}, false);
    expect(choices[0].finish_reason).toBe('content_filter');
  });
  test('a refusal stop reason, streamed', async () => {
    const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    fakes.anthropic!.handler = () =>
      new Response(
        ev('message_start', { message: { ...refusal, content: [], stop_reason: null, usage: { input_tokens: 8, output_tokens: 1 } } }) +
          ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
          ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'I can not help with that.' } }) +
          ev('content_block_stop', { index: 0 }) +
          ev('message_delta', { delta: { stop_reason: 'refusal', stop_sequence: null }, usage: { output_tokens: 7 } }) +
          ev('message_stop', {}),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    const choices = await chat(MODEL.anthropic!, {}, true);
    expect(choices.some((c) => c.finish_reason === 'content_filter')).toBe(true);
  });
});

describe('mock', () => {
  for (const stream of [false, true]) {
    test(`n=3${stream ? ', streamed' : ''}`, async () => {
      const choices = await chat('mock/echo', { n: 3 }, stream);
      expect(new Set(choices.map((c) => c.index))).toEqual(new Set([0, 1, 2]));
    });
  }
});
