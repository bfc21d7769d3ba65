/**
 * /v1/responses in OpenAI's shape for every provider, through the real gateway over HTTP: the
 * Response of a plain answer and of a tool call, each stream event against its own type's schema
 * (with its `event:` name, sequence numbers from 0), the stored response read back
 * (GET /v1/responses/{id}) and its input items (ResponseItemList), all validated by Ajv against
 * OpenAI's spec (test/helpers/openai-schema.ts). OpenAI's own answers are passed through
 * (responses-passthrough.test.ts checks they are unchanged), as are xAI's (xai-passthrough.test.ts: they come
 * as xAI sends them); every other provider is bridged onto chat.
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
async function streamEvents(res: Response, allow = (errs: string[]) => errs, text?: Promise<string>): Promise<any[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events = (await (text ?? res.text())).split('\n\n').filter((e) => e.trim()).map((block) => {
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
  test("a stream cut mid-way ends with the gateway's error event", async () => {
    const lines = fixtureText('responses', 'openai-response-stream.chunks.txt').trim().split('\n');
    const { release, readAll } = cutWhenRead('response.output_text.delta');
    fakes.openai!.handler = () => sseCut(lines.slice(0, -1), release);
    const res = await post({ model: 'openai/gpt-4o-mini', input: 'Hello', stream: true });
    const events = await streamEvents(res, openaiOwn, readAll(res));
    expect(events.at(-1).type).toBe('error');
  });
});

/** A promise the fake waits on before it cuts, released once the client has read `marker`; and that reader. */
function cutWhenRead(marker: string) {
  let release!: () => void;
  const read = new Promise<void>((r) => (release = r));
  const readAll = async (res: Response) => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let all = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      all += r.value;
      if (all.includes(marker)) release();
    }
    return all;
  };
  return { release: read, readAll };
}

/** OpenAI's named events, then (once `until` settles) the connection broken off. */
function sseCut(lines: string[], until: Promise<void>): Response {
  const enc = new TextEncoder();
  let i = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(c) {
        if (i === lines.length) {
          await until;
          return c.error(new Error('fake upstream cut the stream'));
        }
        const data = lines[i++]!;
        c.enqueue(enc.encode(`event: ${JSON.parse(data).type}\ndata: ${data}\n\n`));
      },
    }),
    { headers: { 'content-type': 'text/event-stream' } },
  );
}

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

describe('reasoning, with its summary asked for', () => {
  // Upstreams whose recorded answers think first: DeepSeek's reasoning_content, Anthropic's thinking.
  for (const r of ROWS.filter((r) => ['deepseek', 'anthropic'].includes(r.provider))) {
    for (const stream of [false, true]) {
      test(`${r.provider}${stream ? ', streamed' : ''}`, async () => {
        const mode: Mode = r.provider === 'anthropic' ? 'tools' : 'text';
        fakes[r.provider]!.handler = r.reply!(mode, stream);
        const res = await post({ model: r.model, input: 'Hello', reasoning: { effort: 'low', summary: 'auto' }, ...(mode === 'tools' ? { tools: TOOLS } : {}), stream });
        const final = stream ? (await streamEvents(res)).at(-1).response : await res.json();
        expect(openaiSchemaErrors('Response', final)).toEqual([]);
        const reasoning = final.output.find((o: any) => o.type === 'reasoning');
        expect(reasoning?.summary?.length).toBeGreaterThan(0);
      });
    }
  }
});

describe('the ends a bridged stream can have', () => {
  test('a cut stream ends with response.failed', async () => {
    // The cut waits until the client has read the first text, so it cannot come before the answer started.
    const { release, readAll } = cutWhenRead('response.output_text.delta');
    fakes.moonshot!.handler = replay('moonshot', 'text.chunks.txt', { cutAfter: 3, holdAt: { at: 3, until: release } });
    const res = await post({ model: 'moonshot/kimi-k2-0905-preview', input: 'Hello', stream: true });
    const text = readAll(res);
    const events = await streamEvents(res, undefined, text);
    expect(events.at(-1).type).toBe('response.failed');
  });
  test('a length cut ends with response.incomplete', async () => {
    const head = { id: 'chatcmpl-len', object: 'chat.completion.chunk', created: 1757925900, model: 'qwen3:8b' };
    fakes.ollama!.handler = () =>
      sseEventsResponse([
        { data: JSON.stringify({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'Once upon' }, finish_reason: null }] }) },
        { data: JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'length' }] }) },
        { data: JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }) },
        { data: '[DONE]' },
      ]);
    const events = await streamEvents(await post({ model: 'ollama/qwen3:8b', input: 'A story', max_output_tokens: 16, stream: true }));
    expect(events.at(-1).type).toBe('response.incomplete');
  });
  test('a prompt Gemini blocks, streamed and not', async () => {
    for (const stream of [false, true]) {
      fakes.gemini!.handler = () =>
        stream
          ? new Response(geminiSse('prompt-block.chunks.txt'), { headers: { 'content-type': 'text/event-stream' } })
          : jsonResponse(JSON.parse(fixtureText('gemini', 'prompt-block.chunks.txt').trim().split('\n')[0]!));
      const res = await post({ model: 'gemini/gemini-2.5-flash', input: 'Something blocked', stream });
      if (res.status !== 200) {
        expect(openaiSchemaErrors('ErrorResponse', await res.json())).toEqual([]);
        continue;
      }
      const final = stream ? (await streamEvents(res)).at(-1).response : await res.json();
      expect(openaiSchemaErrors('Response', final)).toEqual([]);
    }
  });
  test('an Anthropic refusal, streamed and not', async () => {
    const refusal = {
      id: 'msg_01Refusal', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'I can not help with that.' }], stop_reason: 'refusal', stop_sequence: null, usage: { input_tokens: 8, output_tokens: 7 },
    };
    fakes.anthropic!.handler = () => jsonResponse(refusal);
    const whole = await post({ model: 'anthropic/claude-sonnet-4-5', input: 'Something refused' });
    expect(whole.status).toBe(200);
    expect(openaiSchemaErrors('Response', await whole.json())).toEqual([]);
  });
  test('background: the queued answer, then the finished one read back', async () => {
    const res = await post({ model: 'mock/echo', input: 'Hello', background: true });
    expect(res.status).toBe(200);
    const queued = await res.json();
    expect(openaiSchemaErrors('Response', queued)).toEqual([]);
    expect(queued.status).toBe('queued');
    let done: any = queued;
    for (let i = 0; i < 200 && !['completed', 'failed', 'incomplete'].includes(done.status); i++) {
      await Bun.sleep(10);
      done = await (await gw.fetch(`/v1/responses/${queued.id}`)).json();
    }
    expect(done.status).toBe('completed');
    expect(openaiSchemaErrors('Response', done)).toEqual([]);
  });
});
