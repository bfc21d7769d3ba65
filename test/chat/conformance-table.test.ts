/**
 * The conformance table: every provider (and a group routed to each) x {non-stream, stream with
 * and without include_usage, tools, vision}, through the real gateway over HTTP, each answer and
 * each stream chunk validated against OpenAI's own schemas (CreateChatCompletionResponse,
 * CreateChatCompletionStreamResponse; test/fixtures/openai-schema, untrimmed). The upstreams are
 * fakes replaying each provider's recorded wire shapes.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { modelGroups } from '../../src/db/schema';
import { jsonResponse, replay, replayJson, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { fixtureJson as geminiJson, fixtureSse as geminiSse } from '../gemini/helpers';
import { chatSchemaErrors } from '../responses/openai-schema';
import { PNG_BASE64 } from './provider-cases';
import { anthropicJson, anthropicSse } from '../anthropic/fake-anthropic';

setDefaultTimeout(30_000);

type Mode = 'text' | 'tools';
interface Row {
  provider: string;
  /** What a client sends as `model`, and a seeded model of that provider for its group. */
  model: string;
  groupTarget: string | null;
  /** The fake upstream's answer for a mode, streamed or not (null: answered in-process, the mock). */
  reply: ((mode: Mode, stream: boolean) => FakeHandler) | null;
}

const compatible = (id: string) => (mode: Mode, stream: boolean) =>
  stream ? replay(id, mode === 'text' ? 'text.chunks.txt' : 'tools.chunks.txt') : replayJson(id, mode === 'text' ? 'chat.json' : 'tools.json');

const gemini = (mode: Mode, stream: boolean): FakeHandler => () => {
  const name = mode === 'text' ? 'text' : 'tool-call-gemini3';
  if (!stream) return jsonResponse(geminiJson(`${name}.json`));
  return new Response(geminiSse(`${name}.chunks.txt`), { headers: { 'content-type': 'text/event-stream' } });
};

const anthropic = (mode: Mode, stream: boolean): FakeHandler => () => {
  const name = mode === 'text' ? 'text' : 'thinking-tool';
  return stream ? anthropicSse(`${name}.sse`) : jsonResponse(anthropicJson(`${name}.json`));
};

const ROWS: Row[] = [
  { provider: 'openai', model: 'openai/gpt-4o-mini', groupTarget: 'gpt-4o-mini', reply: compatible('openai') },
  { provider: 'gemini', model: 'gemini/gemini-2.5-flash', groupTarget: 'gemini-2.5-flash', reply: gemini },
  { provider: 'deepseek', model: 'deepseek/deepseek-reasoner', groupTarget: 'deepseek-reasoner', reply: compatible('deepseek') },
  { provider: 'moonshot', model: 'moonshot/kimi-k2-0905-preview', groupTarget: 'kimi-k2.6', reply: compatible('moonshot') },
  { provider: 'grok', model: 'grok/grok-3-mini', groupTarget: 'grok-3-mini', reply: compatible('grok') },
  { provider: 'ollama', model: 'ollama/qwen3:8b', groupTarget: 'llama3', reply: compatible('ollama') },
  { provider: 'anthropic', model: 'anthropic/claude-sonnet-4-5', groupTarget: 'claude-sonnet-4-5', reply: anthropic },
  { provider: 'mock', model: 'mock/echo', groupTarget: null, reply: null },
];

const TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
];
const TEXT = [{ role: 'user', content: 'Hello' }];
const VISION = [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } }] }];

interface Case {
  name: string;
  mode: Mode;
  stream: boolean;
  usage?: boolean;
  body: Record<string, unknown>;
}
const CASES: Case[] = [
  { name: 'non-stream', mode: 'text', stream: false, body: { messages: TEXT } },
  { name: 'stream with include_usage', mode: 'text', stream: true, usage: true, body: { messages: TEXT } },
  { name: 'stream without include_usage', mode: 'text', stream: true, usage: false, body: { messages: TEXT } },
  { name: 'tools', mode: 'tools', stream: false, body: { messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: TOOLS } },
  { name: 'tools streamed with include_usage', mode: 'tools', stream: true, usage: true, body: { messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: TOOLS } },
  { name: 'vision', mode: 'text', stream: false, body: { messages: VISION } },
  { name: 'vision streamed', mode: 'text', stream: true, usage: false, body: { messages: VISION } },
];

const fakes: Record<string, FakeUpstream> = {};
let gw: TestGateway;
beforeAll(async () => {
  const env: Record<string, string> = { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' };
  for (const r of ROWS) {
    if (!r.reply) continue;
    fakes[r.provider] = startFakeUpstream();
    // Gemini's and Anthropic's base URLs carry no /v1 (the adapters add their own paths).
    Object.assign(env, providerEnv(r.provider, ['gemini', 'anthropic'].includes(r.provider) ? fakes[r.provider]!.url : `${fakes[r.provider]!.url}/v1`));
  }
  gw = await startGateway({ env });
  // One group per provider, so the table also covers answers that came through a group.
  for (const r of ROWS) {
    if (!r.groupTarget) continue;
    gw.ctx.db.insert(modelGroups).values({
      name: `conformance-${r.provider}`, strategy: 'heuristic', targets: [r.groupTarget], logicLevel: null, primaryUse: 'conformance test', settings: {}, updatedAt: Date.now(),
    }).run();
  }
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  for (const f of Object.values(fakes)) f.close();
});

async function send(model: string, c: Case): Promise<Response> {
  const body = { model, ...c.body, ...(c.stream ? { stream: true } : {}), ...(c.usage ? { stream_options: { include_usage: true } } : {}) };
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res;
}

/** Validates what the gateway sent for one case; returns the chunks of a stream (or the one answer). */
async function check(res: Response, c: Case): Promise<any[]> {
  if (!c.stream) {
    expect(res.headers.get('content-type')).toContain('application/json');
    const answer = await res.json();
    expect(chatSchemaErrors('CreateChatCompletionResponse', answer)).toEqual([]);
    return [answer];
  }
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events = (await res.text()).split('\n\n').filter(Boolean);
  for (const e of events) expect(e.startsWith('data: ')).toBe(true);
  const payloads = events.map((e) => e.slice('data: '.length));
  expect(payloads.at(-1)).toBe('[DONE]');
  const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p));
  expect(chunks.length).toBeGreaterThan(0);
  for (const chunk of chunks) expect(chatSchemaErrors('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
  const withUsage = chunks.filter((ch) => ch.usage != null);
  if (c.usage) {
    // OpenAI's convention: exactly one usage chunk, the last one, with no choices.
    expect(withUsage).toHaveLength(1);
    expect(chunks.at(-1).usage).toBeTruthy();
    expect(chunks.at(-1).choices).toEqual([]);
  } else {
    expect(withUsage).toHaveLength(0);
  }
  expect(chunks.some((ch) => ch.choices.some((x: any) => x.finish_reason))).toBe(true);
  return chunks;
}

for (const r of ROWS) {
  const models = [r.model, ...(r.groupTarget ? [`conformance-${r.provider}`] : [])];
  for (const model of models) {
    describe(`${model}`, () => {
      // DeepSeek reads text only: an image is refused before the call (provider-matrix.test.ts).
      for (const c of CASES.filter((c) => !(r.provider === 'deepseek' && c.body.messages === VISION))) {
        test(c.name, async () => {
          if (r.reply) fakes[r.provider]!.handler = r.reply(c.mode, c.stream);
          const res = await send(model, c);
          expect(res.headers.get('x-gophergate-provider')).toBe(r.provider);
          const out = await check(res, c);
          if (c.mode === 'tools' && r.reply) {
            // The recorded tool answers call get_weather; the client must see it as a tool call.
            const calls = c.stream
              ? out.flatMap((ch) => ch.choices.flatMap((x: any) => x.delta.tool_calls ?? []))
              : out[0].choices[0].message.tool_calls;
            expect(calls.some((t: any) => t.function?.name === 'get_weather')).toBe(true);
          }
        });
      }
    });
  }
}
