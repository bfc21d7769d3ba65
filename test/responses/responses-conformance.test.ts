/**
 * /v1/responses in OpenAI's shape for every provider, through the real gateway over HTTP: the
 * Response of a plain answer and of a tool call, each stream event against its own type's schema
 * (with its `event:` name, sequence numbers from 0), the stored response read back
 * (GET /v1/responses/{id}) and its input items (ResponseItemList), all validated by Ajv against
 * OpenAI's spec (test/helpers/openai-schema.ts). OpenAI's own answers are passed through
 * (responses-api.test.ts checks they are unchanged); every other provider is bridged onto chat.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { fixtureText, jsonResponse, replay, replayJson, sseEventsResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { openaiSchemaErrors, responseEventErrors } from '../helpers/openai-schema';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { fixtureJson as geminiJson, fixtureSse as geminiSse } from '../gemini/helpers';
import { anthropicJson, anthropicSse } from '../anthropic/fake-anthropic';
import { expectConsistentItems } from './stream-invariants';

setDefaultTimeout(30_000);

type Mode = 'text' | 'tools';
interface Row {
  provider: string;
  model: string;
  /** The fake upstream's chat answer (null: the mock, answered in-process). */
  reply: ((mode: Mode, stream: boolean) => FakeHandler) | null;
}

const compatible = (id: string) => (mode: Mode, stream: boolean) =>
  stream ? replay(id, mode === 'text' ? 'text.chunks.txt' : 'tools.chunks.txt') : replayJson(id, mode === 'text' ? 'chat.json' : 'tools.json');
const gemini = (mode: Mode, stream: boolean): FakeHandler => () => {
  const name = mode === 'text' ? 'text' : 'tool-call-gemini3';
  return stream ? new Response(geminiSse(`${name}.chunks.txt`), { headers: { 'content-type': 'text/event-stream' } }) : jsonResponse(geminiJson(`${name}.json`));
};
const anthropic = (mode: Mode, stream: boolean): FakeHandler => () => {
  const name = mode === 'text' ? 'text' : 'thinking-tool';
  return stream ? anthropicSse(`${name}.sse`) : jsonResponse(anthropicJson(`${name}.json`));
};

const ROWS: Row[] = [
  { provider: 'gemini', model: 'gemini/gemini-2.5-flash', reply: gemini },
  { provider: 'deepseek', model: 'deepseek/deepseek-reasoner', reply: compatible('deepseek') },
  { provider: 'moonshot', model: 'moonshot/kimi-k2-0905-preview', reply: compatible('moonshot') },
  { provider: 'grok', model: 'grok/grok-3-mini', reply: compatible('grok') },
  { provider: 'ollama', model: 'ollama/qwen3:8b', reply: compatible('ollama') },
  { provider: 'anthropic', model: 'anthropic/claude-sonnet-4-5', reply: anthropic },
  { provider: 'mock', model: 'mock/echo', reply: null },
];

const TOOLS = [{ type: 'function', name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];

const fakes: Record<string, FakeUpstream> = {};
let gw: TestGateway;
beforeAll(async () => {
  const env: Record<string, string> = { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' };
  for (const p of ['openai', ...ROWS.filter((r) => r.reply).map((r) => r.provider)]) {
    fakes[p] = startFakeUpstream();
    Object.assign(env, providerEnv(p, ['gemini', 'anthropic'].includes(p) ? fakes[p]!.url : `${fakes[p]!.url}/v1`));
  }
  gw = await startGateway({ env });
});
afterAll(async () => {
  await gw.close();
  for (const f of Object.values(fakes)) f.close();
});

const post = (body: object) => gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify(body) });

/** The events of a Responses stream, each checked against its type's schema and its `event:` line. */
async function streamEvents(res: Response, allow = (errs: string[]) => errs): Promise<any[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events = (await res.text()).split('\n\n').filter((e) => e.trim()).map((block) => {
    const name = /^event: (.+)$/m.exec(block)?.[1];
    const data = JSON.parse(/^data: (.+)$/m.exec(block)![1]!);
    expect(name).toBe(data.type);
    return data;
  });
  events.forEach((e, i) => {
    expect(allow(responseEventErrors(e))).toEqual([]);
    expect(e.sequence_number).toBe(i);
  });
  return events;
}

/** The stored response and its input items, read back: OpenAI's shapes too. */
async function readBack(id: string): Promise<void> {
  const again = await gw.fetch(`/v1/responses/${id}`);
  expect(again.status).toBe(200);
  expect(openaiSchemaErrors('Response', await again.json())).toEqual([]);
  const items = await gw.fetch(`/v1/responses/${id}/input_items`);
  expect(items.status).toBe(200);
  expect(openaiSchemaErrors('ResponseItemList', await items.json())).toEqual([]);
}

/**
 * OpenAI's own answers send `null` for these two, where its spec says string (the recorded
 * fixtures have it as the API sends it); the gateway passes OpenAI's bytes on unchanged.
 */
const openaiOwn = (errs: string[]) => errs.filter((e) => !/\/(safety_identifier|prompt_cache_key): must be string/.test(e));

describe('openai (passed through)', () => {
  test('non-stream', async () => {
    fakes.openai!.handler = () => new Response(fixtureText('responses', 'openai-response.json'), { headers: { 'content-type': 'application/json' } });
    const res = await post({ model: 'openai/gpt-4o-mini', input: 'Hello' });
    expect(res.status).toBe(200);
    expect(openaiOwn(openaiSchemaErrors('Response', await res.json()))).toEqual([]);
  });
  test('stream', async () => {
    const lines = fixtureText('responses', 'openai-response-stream.chunks.txt').trim().split('\n');
    fakes.openai!.handler = () => sseEventsResponse(lines.map((data) => ({ event: JSON.parse(data).type, data })));
    const events = await streamEvents(await post({ model: 'openai/gpt-4o-mini', input: 'Hello', stream: true }), openaiOwn);
    expect(events.at(-1).type).toBe('response.completed');
  });
});

for (const r of ROWS) {
  describe(`${r.provider} (bridged)`, () => {
    for (const mode of ['text', 'tools'] as Mode[]) {
      const body = { model: r.model, input: mode === 'text' ? 'Hello' : 'Weather in Paris?', ...(mode === 'tools' ? { tools: TOOLS } : {}) };
      test(`${mode}, non-stream; read back`, async () => {
        if (r.reply) fakes[r.provider]!.handler = r.reply(mode, false);
        const res = await post(body);
        expect(res.status).toBe(200);
        const answer = await res.json();
        expect(openaiSchemaErrors('Response', answer)).toEqual([]);
        if (mode === 'tools' && r.reply) expect(answer.output.some((o: any) => o.type === 'function_call' && o.name === 'get_weather')).toBe(true);
        await readBack(answer.id);
      });
      test(`${mode}, stream; read back`, async () => {
        if (r.reply) fakes[r.provider]!.handler = r.reply(mode, true);
        const events = await streamEvents(await post({ ...body, stream: true }));
        expect(events[0].type).toBe('response.created');
        expect(events.at(-1).type).toBe('response.completed');
        expectConsistentItems(events);
        await readBack(events.at(-1).response.id);
      });
    }
  });
}
