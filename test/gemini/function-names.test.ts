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
import { FakeGemini } from './fake-gemini';

// Names OpenAI takes (^[a-zA-Z0-9_-]{1,64}$) that Gemini refuses with a 400 (it wants a letter or `_`
// first): the gateway renames them on the way up and gives the client its own names back. The
// official openai client -> real HTTP -> fake Gemini.
const CLIENT_KEY = 'gg-gemini-fn-names-client-key';
const GEMINI_RULE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const DIGIT_64 = `9${'x'.repeat(63)}`;
const NAMES = [DIGIT_64, '2fa_verify', '-dash-first', '0', 'get_weather'];
const tools: OpenAI.ChatCompletionTool[] = NAMES.map((name) => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties: { q: { type: 'string' } } } },
}));

let fake: FakeGemini;
let ctx: AppContext;
let server: { stop(force?: boolean): unknown; port: number };
let dir: string;
let client: OpenAI;

beforeAll(() => {
  fake = new FakeGemini();
  dir = mkdtempSync(join(tmpdir(), 'gg-gemini-fn-'));
  ctx = createAppContext(
    loadConfig({
      LLM_PROXY__DATABASE__PATH: join(dir, 'gg.db'),
      LLM_PROXY__ENCRYPTION_KEY: 'cd'.repeat(32),
      LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url,
      GEMINI_API_KEY: 'AIzaSyFAKE-fn-names',
    }),
  );
  ctx.db.insert(clients).values({ name: 'fn', keyHash: hashClientKey(CLIENT_KEY), keyPrefix: CLIENT_KEY.slice(0, 10), createdAt: Date.now() }).run();
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

/** Gemini's answer calling each declared function (by the name the gateway declared it under). */
function callsAll(declared: string[]) {
  return {
    candidates: [{ content: { role: 'model', parts: declared.map((name) => ({ functionCall: { name, args: { q: name.length } } })) }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 10, totalTokenCount: 30 },
    responseId: 'fnNames1',
  };
}

/** Sends one throwaway request to learn the names the gateway declares (the fake answers with text). */
async function declaredNames(): Promise<string[]> {
  fake.reply({ json: { candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP' }] } });
  await client.chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], tools });
  const declared: string[] = fake.last().body.tools[0].functionDeclarations.map((d: any) => d.name);
  for (const n of declared) expect(n).toMatch(GEMINI_RULE); // what real Gemini would refuse with a 400
  return declared;
}

describe('Gemini function names Gemini refuses', () => {
  test('declared under names Gemini takes, distinct, a valid name unchanged', async () => {
    const declared = await declaredNames();
    expect(declared).toHaveLength(NAMES.length);
    expect(new Set(declared).size).toBe(NAMES.length);
    expect(declared[4]).toBe('get_weather');
    expect(declared[2]).toStartWith('fn_-dash-first_');
  });

  test('non-stream: the calls come back under the client names', async () => {
    const declared = await declaredNames();
    fake.reply({ json: callsAll(declared) });
    const res = await client.chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'go' }], tools });
    expect(res.choices[0]!.message.tool_calls!.map((c) => (c as any).function.name)).toEqual(NAMES);
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
  });

  test('stream: the calls come back under the client names', async () => {
    const declared = await declaredNames();
    fake.reply({ sse: `data: ${JSON.stringify(callsAll(declared))}\r\n\r\n` });
    const stream = await client.chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'go' }], tools, stream: true });
    const names: string[] = [];
    for await (const chunk of stream) for (const c of chunk.choices[0]?.delta.tool_calls ?? []) if (c.function?.name) names.push(c.function.name);
    expect(names).toEqual(NAMES);
  });

  test('tool_choice and the history use the declared names; the function response matches its call', async () => {
    const declared = await declaredNames();
    fake.reply({ json: { candidates: [{ content: { role: 'model', parts: [{ text: 'done' }] }, finishReason: 'STOP' }] } });
    await client.chat.completions.create({
      model: 'gemini/gemini-2.5-flash',
      tools,
      tool_choice: { type: 'function', function: { name: DIGIT_64 } },
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: '2fa_verify', arguments: '{"q":"x"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' },
      ],
    });
    const body = fake.last().body;
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [declared[0]] } });
    expect(body.contents[1].parts[0].functionCall.name).toBe(declared[1]);
    expect(body.contents[2].parts[0].functionResponse.name).toBe(declared[1]);
  });
});

describe('through the bridges', () => {
  test('/v1/responses: the function_call items carry the client names', async () => {
    const declared = await declaredNames();
    fake.reply({ json: callsAll(declared) });
    const res = await client.responses.create({
      model: 'gemini/gemini-2.5-flash',
      input: 'go',
      tools: NAMES.map((name) => ({ type: 'function' as const, name, strict: false, parameters: { type: 'object', properties: { q: { type: 'string' } } } })),
    });
    for (const d of fake.last().body.tools[0].functionDeclarations) expect(d.name).toMatch(GEMINI_RULE);
    expect(res.output.filter((o) => o.type === 'function_call').map((o: any) => o.name)).toEqual(NAMES);
  });

  test('/v1/messages: a long name starting with a digit, shortened for chat and renamed for Gemini, comes back whole', async () => {
    const long = `7${'z'.repeat(99)}`;
    fake.reply({ json: { candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP' }] } });
    const send = () =>
      fetch(`http://127.0.0.1:${server.port}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': CLIENT_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', max_tokens: 100, messages: [{ role: 'user', content: 'go' }], tools: [{ name: long, input_schema: { type: 'object' } }] }),
      });
    expect((await send()).status).toBe(200);
    const declared = fake.last().body.tools[0].functionDeclarations[0].name;
    expect(declared).toMatch(GEMINI_RULE);
    fake.reply({ json: callsAll([declared]) });
    const msg = (await (await send()).json()) as any;
    expect(msg.content.filter((b: any) => b.type === 'tool_use').map((b: any) => b.name)).toEqual([long]);
  });
});
