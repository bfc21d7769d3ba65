/**
 * The gateway the /v1 property tests drive (v1-endpoints.fuzz.test.ts, v1-hostile-objects.fuzz.test.ts):
 * fake OpenAI, Anthropic and Gemini upstreams, xAI's place taken by a hostile one, the mock
 * provider on; and a valid base body of every /v1 POST endpoint for the properties to plant values in.
 */
import { afterAll, beforeAll } from 'bun:test';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { jsonResponse, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { fakeAnthropic, fakeGemini, fakeOpenAI, type Shape } from './fuzz-http-kit';

export interface V1FuzzRig {
  gw: TestGateway;
  close(): Promise<void>;
}

export async function startV1FuzzRig(): Promise<V1FuzzRig> {
  // xAI's place is taken by an upstream whose errors carry an object with its own toString key as their message.
  const hostileUpstream = startFakeUpstream((_req, rec) =>
    rec.body?.stream
      ? sseResponse([JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'grok-3', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] }), JSON.stringify({ error: { message: { toString: 'x' }, type: 'server_error' } })])
      : jsonResponse({ error: { message: { toString: 'x' }, type: 'invalid_request_error', code: null } }, 400),
  );
  const openai = fakeOpenAI();
  const anthropic = fakeAnthropic();
  const gemini = fakeGemini();
  const gw = await startGateway({
    env: {
      ...providerEnv('openai', `${openai.url}/v1`),
      // Kimi and DeepSeek rewrite tool schemas and messages their own way: OpenAI-compatible answers serve them.
      ...providerEnv('moonshot', `${openai.url}/v1`),
      ...providerEnv('deepseek', `${openai.url}/v1`),
      ...providerEnv('gemini', gemini.url),
      ...providerEnv('grok', `${hostileUpstream.url}/v1`),
      LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url, ANTHROPIC_API_KEY: 'sk-ant-fuzz-0123456789',
      LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true',
    },
  });
  return {
    gw,
    async close() {
      await gw.close();
      openai.close();
      anthropic.close();
      gemini.close();
      hostileUpstream.close();
    },
  };
}

/** Starts the rig before the file's tests (handing its gateway to `ready`) and closes it after them. */
export function useV1FuzzRig(ready: (gw: TestGateway) => void): void {
  let rig: V1FuzzRig | undefined;
  beforeAll(async () => {
    rig = await startV1FuzzRig();
    ready(rig.gw);
  });
  afterAll(() => rig?.close());
}

const schema = { type: 'object', properties: { city: { type: 'string', enum: ['a', 'b'] }, n: { type: 'integer', minimum: 0 } }, required: ['city'] };
export const chatBase = (model: string) => ({
  model, max_tokens: 16, temperature: 0.5, top_p: 1, n: 1, stop: ['x'], user: 'u', seed: 1, stream: false,
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{"city":"a"}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
  ],
  tools: [{ type: 'function', function: { name: 'w', description: 'd', parameters: schema, strict: false } }],
  tool_choice: 'auto', response_format: { type: 'json_schema', json_schema: { name: 'x', schema } }, metadata: { k: 'v' },
  stream_options: { include_usage: true },
});
export const responsesBase = (model: string) => ({
  model, instructions: 'be brief', max_output_tokens: 32, temperature: 0.2, store: false, stream: false,
  input: [
    { role: 'user', content: [{ type: 'input_text', text: 'hi' }, { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' }] },
    { type: 'function_call', call_id: 'c1', name: 'w', arguments: '{"city":"a"}' },
    { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
  ],
  tools: [{ type: 'function', name: 'w', parameters: schema, strict: false }], tool_choice: 'auto',
  text: { format: { type: 'json_schema', name: 'x', schema } }, reasoning: { effort: 'low' }, metadata: { k: 'v' },
});
export const messagesBase = (model: string) => ({
  model, max_tokens: 64, system: [{ type: 'text', text: 'be brief' }], temperature: 0.5, stop_sequences: ['x'], stream: false,
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'w', input: { city: 'a' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'sunny' }] },
  ],
  tools: [{ name: 'w', description: 'd', input_schema: schema }], tool_choice: { type: 'auto' }, metadata: { user_id: 'u' },
});

/** A copy of `base` with `v` at `path`. */
export const set = (base: unknown, path: (string | number)[], v: unknown) => { const c: any = structuredClone(base); let at = c; for (const k of path.slice(0, -1)) at = at[k]; at[path.at(-1)!] = v; return c; };

export interface Endpoint { path: string; shape: Shape; bases: unknown[] }
export const endpoints: Endpoint[] = [
  { path: '/v1/chat/completions', shape: 'openai', bases: ['mock/echo', 'gpt-4o-mini', 'anthropic/claude-3-5-haiku-20241022', 'gemini-2.5-flash', 'moonshot/kimi-k2-0905-preview', 'deepseek/deepseek-chat'].flatMap((m) => [chatBase(m), { ...chatBase(m), stream: true }]) },
  { path: '/v1/responses', shape: 'openai', bases: ['mock/echo', 'gpt-4o-mini', 'anthropic/claude-3-5-haiku-20241022', 'gemini-2.5-flash', 'moonshot/kimi-k2-0905-preview'].flatMap((m) => [responsesBase(m), { ...responsesBase(m), stream: true }]) },
  { path: '/v1/responses/input_tokens', shape: 'openai', bases: ['mock/echo', 'gpt-4o-mini', 'anthropic/claude-3-5-haiku-20241022', 'gemini-2.5-flash'].map((m) => responsesBase(m)) },
  { path: '/v1/responses/compact', shape: 'openai', bases: ['mock/echo', 'gpt-4o-mini', 'gemini-2.5-flash'].map((m) => responsesBase(m)) },
  { path: '/v1/messages', shape: 'anthropic', bases: ['anthropic/claude-3-5-haiku-20241022', 'mock/echo', 'gemini-2.5-flash', 'deepseek/deepseek-chat'].flatMap((m) => [messagesBase(m), { ...messagesBase(m), stream: true }]) },
  {
    path: '/v1/messages/count_tokens', shape: 'anthropic',
    bases: ['anthropic/claude-3-5-haiku-20241022', 'mock/echo'].map((m) => { const { max_tokens: _m, stream: _s, stop_sequences: _x, temperature: _t, metadata: _d, ...b } = messagesBase(m); return b; }),
  },
  { path: '/v1/embeddings', shape: 'openai', bases: [{ model: 'mock/embed', input: ['a', 'b'], encoding_format: 'float', dimensions: 4, user: 'u' }, { model: 'text-embedding-3-small', input: 'a' }] },
  { path: '/v1/images/generations', shape: 'openai', bases: [{ model: 'dall-e-3', prompt: 'a cat', n: 1, size: '1024x1024', response_format: 'url', quality: 'standard' }] },
];
