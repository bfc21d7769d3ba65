import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { createAppContext } from '../../src/app-context';
import { hashClientKey } from '../../src/auth/client-auth';
import { loadConfig } from '../../src/config/config';
import type { AppContext } from '../../src/context';
import { clients } from '../../src/db/schema';
import { listen } from '../../src/serve';
import { signatureFromToolCallId } from '../../src/providers/gemini/tool-call-id';
import { IMAGE_URL_REFUSED } from '../../src/security/check-image-url';
import { FakeGemini } from './fake-gemini';
import { fixtureJson, fixtureLines } from './helpers';

// The official OpenAI client -> the gateway's real HTTP -> a fake Gemini on loopback.
const GEMINI_KEY = 'AIzaSyFAKE-test-key-0123456789abcdef';
const CLIENT_KEY = 'gg-e2e-gemini-client-key';
let fake: FakeGemini;
let ctx: AppContext;
let server: { stop(force?: boolean): unknown; port: number };
let dir: string;
let client: OpenAI;

beforeAll(() => {
  fake = new FakeGemini();
  dir = mkdtempSync(join(tmpdir(), 'gg-gemini-e2e-'));
  const config = loadConfig({
    LLM_PROXY__DATABASE__PATH: join(dir, 'gg.db'),
    LLM_PROXY__ENCRYPTION_KEY: 'cd'.repeat(32),
    LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url,
    GEMINI_API_KEY: GEMINI_KEY,
    LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1',
  });
  ctx = createAppContext(config);
  ctx.db.insert(clients).values({ name: 'e2e', keyHash: hashClientKey(CLIENT_KEY), keyPrefix: CLIENT_KEY.slice(0, 10), createdAt: Date.now() }).run();
  ctx.state.reload();
  server = listen(ctx, '127.0.0.1', 0).server as never;
  client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `http://127.0.0.1:${server.port}/v1`, maxRetries: 0 });
});

afterAll(() => {
  server?.stop(true);
  fake?.close();
  ctx?.sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Gemini through the gateway, driven by the openai client', () => {
  test('non-stream: translated request out, OpenAI completion back', async () => {
    fake.reply({ json: fixtureJson('text.json') });
    const res = await client.chat.completions.create({
      model: 'gemini/gemini-2.5-flash',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'What is 2 + 2?' },
      ],
      temperature: 0.1,
      max_completion_tokens: 256,
      reasoning_effort: 'low',
      user: 'someone',
    });
    const sent = fake.last();
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.search).toBe('');
    expect(sent.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'What is 2 + 2?' }] }],
      systemInstruction: { parts: [{ text: 'You are terse.' }] },
      generationConfig: { temperature: 0.1, maxOutputTokens: 256, thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
    });

    expect(res.object).toBe('chat.completion');
    expect(res.id).toStartWith('chatcmpl-');
    expect(res.choices[0]!.message.content).toBe('2 + 2 = 4.');
    expect((res.choices[0]!.message as any).reasoning_content).toContain('basic arithmetic');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage).toEqual({
      prompt_tokens: 1050,
      completion_tokens: 107,
      total_tokens: 1157,
      prompt_tokens_details: { cached_tokens: 1024 },
      completion_tokens_details: { reasoning_tokens: 99 },
    });
  });

  test('stream without include_usage: no usage chunk reaches the client', async () => {
    fake.replySse('text.chunks.txt');
    const stream = await client.chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'Count the r' }], stream: true });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(fake.last().path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(fake.last().search).toBe('?alt=sse');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('There are **3** letter "r"s in "strawberry": st**r**awbe**rr**y — ünïcödé ✓.');
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  test('stream with include_usage: the last chunk carries usage in OpenAI convention', async () => {
    fake.replySse('text.chunks.txt');
    const stream = await client.chat.completions.create({
      model: 'gemini/gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Count the r' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 2107,
      completion_tokens: 439,
      total_tokens: 2546,
      prompt_tokens_details: { cached_tokens: 2048 },
      completion_tokens_details: { reasoning_tokens: 412 },
    });
    // stream_options is OpenAI-only: it must not leak into the Gemini body.
    expect(Object.keys(fake.last().body).sort()).toEqual(['contents']);
  });

  test('tools round trip on Gemini 3: the thought signature comes back on the next turn', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather',
          parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'], additionalProperties: false },
        },
      },
    ];
    fake.replySse('tool-call-gemini3.chunks.txt');
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris and Tokyo?' }];
    const stream = await client.chat.completions.create({ model: 'gemini/gemini-3-pro-preview', messages, tools, tool_choice: 'auto', stream: true });
    const calls: { id: string; name: string; args: string }[] = [];
    let finish: string | null = null;
    for await (const c of stream) {
      for (const t of c.choices[0]?.delta.tool_calls ?? []) calls[t.index] = { id: t.id!, name: t.function!.name!, args: t.function!.arguments! };
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('tool_calls');
    expect(fake.last().body.tools).toEqual([{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather', parametersJsonSchema: (tools[0] as OpenAI.ChatCompletionFunctionTool).function.parameters }] }]);
    expect(fake.last().body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(calls.map((c) => [c.name, JSON.parse(c.args).city])).toEqual([
      ['get_weather', 'Paris'],
      ['get_weather', 'Tokyo'],
    ]);

    // Turn 2: the client sends the history back the ordinary OpenAI way.
    fake.reply({ json: fixtureJson('text.json') });
    const turn2 = await client.chat.completions.create({
      model: 'gemini/gemini-3-pro-preview',
      tools,
      messages: [
        ...messages,
        { role: 'assistant', content: null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.args } })) },
        { role: 'tool', tool_call_id: calls[0]!.id, content: '{"temp_c":18,"sky":"clear"}' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: 'rain, 12 C' },
      ],
    });
    expect(turn2.choices[0]!.message.content).toBe('2 + 2 = 4.');
    const signature = JSON.parse(fixtureLines('tool-call-gemini3.chunks.txt')[1]!).candidates[0].content.parts[0].thoughtSignature;
    expect(signatureFromToolCallId(calls[0]!.id)).toBe(signature);
    expect(fake.last().body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Tokyo?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } }, thoughtSignature: signature },
          { functionCall: { name: 'get_weather', args: { city: 'Tokyo', unit: 'celsius' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp_c: 18, sky: 'clear' } } },
          { functionResponse: { name: 'get_weather', response: { result: 'rain, 12 C' } } },
        ],
      },
    ]);
  });

  test('vision: a base64 data URI and a remote URL both arrive inline', async () => {
    fake.reply({ json: fixtureJson('text.json') });
    const png64 = Buffer.from(FakeGemini.PNG).toString('base64');
    await client.chat.completions.create({
      model: 'gemini/gemini-2.5-flash',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Same picture?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${png64}` } },
            { type: 'image_url', image_url: { url: `${fake.url}/img/cat.png`, detail: 'low' } },
          ],
        },
      ],
    });
    expect(fake.imageHits).toContain('/img/cat.png');
    expect(fake.last().body.contents[0].parts).toEqual([
      { text: 'Same picture?' },
      { inlineData: { mimeType: 'image/png', data: png64 } },
      { inlineData: { mimeType: 'image/png', data: png64 } },
    ]);
  });

  test('a remote image on a refused address is a 400 naming the part, and Gemini is never called', async () => {
    const before = fake.requests.length;
    const hits = fake.imageHits.length;
    const err = await client.chat.completions
      .create({
        model: 'gemini/gemini-2.5-flash',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: `http://localhost:${new URL(fake.url).port}/img/cat.png` } }] }],
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.error.param).toBe('messages[0].content[1].image_url.url');
    // one message for every refusal (no probing of internal names); the reason is in the log row
    expect(err.error.message).toBe(IMAGE_URL_REFUSED);
    const rowError = async () => {
      for (let i = 0; i < 100; i++) {
        const r = ctx.sqlite.query("SELECT error FROM request_logs WHERE error LIKE '%loopback%'").get() as { error: string } | null;
        if (r) return r.error;
        await Bun.sleep(50);
      }
      return null;
    };
    expect(await rowError()).toContain(IMAGE_URL_REFUSED);
    expect(fake.requests.length).toBe(before);
    expect(fake.imageHits.length).toBe(hits);
  });

  test('an upstream 400 is passed through in OpenAI shape without the provider key', async () => {
    fake.reply({ json: fixtureJson('error-400-invalid-argument.json'), status: 400 });
    const err = await client.chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error.message).toContain('Unknown name "foo"');
    expect(JSON.stringify(err.error)).not.toContain(GEMINI_KEY);
  });

  test('an error after the stream started reaches the client as an error event', async () => {
    fake.replySse('error-midstream.chunks.txt');
    const stream = await client.chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'story' }], stream: true });
    let text = '';
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    })().catch((e) => e);
    expect(text).toBe('Once upon a time');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String(err.message)).toContain('overloaded');
  });
});
