import { describe, expect, test } from 'bun:test';
import { ApiError } from '../../src/errors/api-error';
import { geminiAdapter } from '../../src/providers/gemini';
import { buildGeminiRequest } from '../../src/providers/gemini/gemini-request';
import { makeToolCallId } from '../../src/providers/gemini/tool-call-id';
import type { AdapterDeps, ChatCallContext, ChatRequest } from '../../src/providers/types';
import { noDocumentFetch, noFetch } from './helpers';

const ctx = (model = 'gemini-2.5-flash', stream = false): ChatCallContext => ({ model, stream, clientWantsUsage: false });
// Loosely typed on purpose: these tests also send what a hand-written client might.
const build = (req: Record<string, any>, model?: string, deps: AdapterDeps = noFetch) =>
  buildGeminiRequest({ model: 'x', ...req } as ChatRequest, ctx(model), deps);

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected a 400');
}

describe('buildChatCall', () => {
  test('URL, key header and body for non-stream and stream', async () => {
    const settings = { id: 'gemini' as const, enabled: true, baseUrl: 'http://127.0.0.1:9999/', apiKey: 'AIza-test' };
    const req = { model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }] } as ChatRequest;
    const call = await geminiAdapter.buildChatCall(req, ctx(), settings, noFetch);
    expect(call.url).toBe('http://127.0.0.1:9999/v1beta/models/gemini-2.5-flash:generateContent');
    expect(call.method).toBe('POST');
    expect(call.headers).toEqual({ 'content-type': 'application/json', 'x-goog-api-key': 'AIza-test' });
    expect(JSON.parse(call.body!)).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
    const s = await geminiAdapter.buildChatCall(req, ctx('gemini-2.5-flash', true), settings, noFetch);
    expect(s.url).toBe('http://127.0.0.1:9999/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(s.url).not.toContain('AIza');
  });
});

describe('messages', () => {
  test('system and developer -> systemInstruction; assistant -> model; same-role turns merged', async () => {
    const body = await build({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hello' },
        { role: 'user', content: [{ type: 'text', text: 'Are you there?' }] },
        { role: 'assistant', content: 'Bonjour.' },
        { role: 'user', content: 'Merci' },
      ],
    });
    expect(body).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Hello' }, { text: 'Are you there?' }] },
        { role: 'model', parts: [{ text: 'Bonjour.' }] },
        { role: 'user', parts: [{ text: 'Merci' }] },
      ],
    });
  });

  test('empty text parts (which Gemini refuses) are left out; a turn left with none is skipped', async () => {
    const body = await build({
      messages: [
        { role: 'system', content: [{ type: 'text', text: '' }, { type: 'text', text: 'Be brief.' }] },
        { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: 'Hello' }] },
        { role: 'assistant', content: 'Hi.' },
        { role: 'user', content: '' },
        { role: 'user', content: [{ type: 'text', text: 'Still there?' }] },
      ],
    });
    expect(body).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Hello' }] },
        { role: 'model', parts: [{ text: 'Hi.' }] },
        { role: 'user', parts: [{ text: 'Still there?' }] },
      ],
    });
  });

  test('a tool result that is a JSON object holding $ref (a JSON Schema an MCP tool returned) goes as text: Gemini refuses $ref there', async () => {
    const id = makeToolCallId();
    const schema = '{"type":"object","properties":{"a":{"$ref":"#/$defs/A"}},"$defs":{"A":{"type":"string"}}}';
    const body = await build({
      messages: [
        { role: 'user', content: 'Show the schema' },
        { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'get_schema', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: id, content: schema },
      ],
    });
    expect(body.contents[2]).toEqual({ role: 'user', parts: [{ functionResponse: { name: 'get_schema', response: { result: schema } } }] });
  });

  test('tool calls and results: functionCall / functionResponse named by tool_call_id, signature restored', async () => {
    const sig = 'CiQBjz1rX+/abQ==';
    const id1 = makeToolCallId(sig);
    const id2 = makeToolCallId();
    const body = await build(
      {
        messages: [
          { role: 'user', content: 'Weather in Paris and Tokyo?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: id1, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: id2, type: 'function', function: { name: 'get_time', arguments: '{"city":"Tokyo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: id2, content: '09:00' },
          { role: 'tool', tool_call_id: id1, content: '{"temp_c":18}' },
        ],
      },
      'gemini-3-pro-preview',
    );
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Tokyo?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: sig },
          { functionCall: { name: 'get_time', args: { city: 'Tokyo' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          // Sent back in the other order, they go in the calls' (tool-result-order.test.ts).
          { functionResponse: { name: 'get_weather', response: { temp_c: 18 } } },
          { functionResponse: { name: 'get_time', response: { result: '09:00' } } },
        ],
      },
    ]);
  });

  test("Google's extra_content signature is accepted; Gemini 3 gets the skip sentinel when none survived", async () => {
    const messages = [
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '' }, extra_content: { google: { thought_signature: 'U0lH' } } }],
      },
      { role: 'tool', tool_call_id: 'a', content: 'ok' },
      { role: 'assistant', tool_calls: [{ id: 'call_from_elsewhere', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_from_elsewhere', content: 'ok' },
    ];
    const g3 = await build({ messages }, 'gemini-3-flash-preview');
    expect(g3.contents[1]!.parts[0]).toEqual({ functionCall: { name: 'f', args: {} }, thoughtSignature: 'U0lH' });
    expect(g3.contents[3]!.parts[0]!.thoughtSignature).toBe('skip_thought_signature_validator');
    // Gemini 2.5 does not validate signatures: nothing is invented.
    const g25 = await build({ messages }, 'gemini-2.5-flash');
    expect(g25.contents[3]!.parts[0]!.thoughtSignature).toBeUndefined();
  });

  test('images: data URI -> inlineData, remote URL downloaded through deps.fetchImage', async () => {
    const fetched: string[] = [];
    const deps: AdapterDeps = {
      fetchImage: async (url) => {
        fetched.push(url);
        return { mimeType: 'image/jpeg', base64: '/9j/AA==' };
      },
      fetchDocument: noDocumentFetch,
    };
    const body = await build(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://img.example/cat.jpg', detail: 'high' } },
              { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            ],
          },
        ],
      },
      undefined,
      deps,
    );
    expect(fetched).toEqual(['https://img.example/cat.jpg']);
    expect(body.contents[0]!.parts).toEqual([
      { text: 'Compare' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { inlineData: { mimeType: 'image/jpeg', data: '/9j/AA==' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
    ]);
  });

  test('image errors point at the image in the request', async () => {
    const deps: AdapterDeps = {
      fetchImage: async () => {
        throw new ApiError({ status: 400, message: 'refused', type: 'invalid_request_error', code: 'invalid_image_url', param: 'image_url' });
      },
      fetchDocument: noDocumentFetch,
    };
    const img = (url: string) => ({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url } }] }] });
    const e1 = await rejection(build(img('http://10.0.0.1/a.png'), undefined, deps));
    expect(e1.param).toBe('messages[0].content[1].image_url.url');
    expect(e1.message).toBe('refused');
    for (const bad of ['data:image/png;base64,@@@', 'data:image/png;base64,', 'data:text/plain;base64,aGk=', 'file:///etc/passwd', 'ftp://x/y.png']) {
      const e = await rejection(build(img(bad), undefined, deps));
      expect(e.status).toBe(400);
      expect(e.param).toBe('messages[0].content[1].image_url.url');
    }
  });

  test('malformed history is a 400 naming the field', async () => {
    expect((await rejection(build({ messages: [] }))).param).toBe('messages');
    expect((await rejection(build({ messages: [{ role: 'wizard', content: 'x' }] }))).param).toBe('messages[0].role');
    expect((await rejection(build({ messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] }))).param).toBe('messages[0].tool_call_id');
    const badArgs = { messages: [{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] };
    expect((await rejection(build(badArgs))).param).toBe('messages[0].tool_calls[0].function.arguments');
    expect((await rejection(build({ messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }] }))).param).toBe('messages[0].content[0].type');
  });
});

describe('tools and tool_choice', () => {
  const tools = [
    { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }, strict: true } },
    { type: 'function', function: { name: 'get_time' } },
  ];
  const messages = [{ role: 'user', content: 'hi' }];

  test('functionDeclarations carry the JSON Schema unchanged', async () => {
    const body = await build({ messages, tools });
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather now', parametersJsonSchema: tools[0]!.function.parameters },
          { name: 'get_time' },
        ],
      },
    ]);
    expect(body.toolConfig).toBeUndefined();
  });

  test.each([
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [{ type: 'function', function: { name: 'get_time' } }, { mode: 'ANY', allowedFunctionNames: ['get_time'] }],
  ])('tool_choice %p', async (choice, config) => {
    const body = await build({ messages, tools, tool_choice: choice as never });
    expect(body.toolConfig).toEqual({ functionCallingConfig: config as never });
  });

  test('allowed_tools narrows the declarations', async () => {
    const body = await build({
      messages,
      tools,
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'get_time' } }] } } as never,
    });
    expect(body.tools![0]!.functionDeclarations.map((d) => d.name)).toEqual(['get_time']);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
  });

  test('allowed_tools naming a function Gemini takes only renamed keeps its renamed declaration', async () => {
    const renamed = [...tools, { type: 'function', function: { name: '2fa_verify' } }];
    const body = await build({
      messages,
      tools: renamed,
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: '2fa_verify' } }] } } as never,
    });
    expect(body.tools![0]!.functionDeclarations.map((d) => d.name)).toEqual([expect.stringMatching(/^fn_2fa_verify_[0-9a-f]{8}$/)]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
  });

  test('a choice naming an unknown function, or a custom tool, is a 400', async () => {
    expect((await rejection(build({ messages, tools, tool_choice: { type: 'function', function: { name: 'nope' } } }))).param).toBe('tool_choice.function.name');
    expect((await rejection(build({ messages, tools: [{ type: 'custom', custom: { name: 'x' } }] as never }))).param).toBe('tools[0].type');
  });
});

describe('generationConfig', () => {
  const messages = [{ role: 'user', content: 'hi' }];

  test('sampling, length, stop, n, seed, penalties', async () => {
    const body = await build({ messages, temperature: 0.2, top_p: 0.9, max_tokens: 100, stop: 'END', n: 2, seed: 7, presence_penalty: 0.5, frequency_penalty: 0.25, user: 'u1', parallel_tool_calls: false, stream_options: { include_usage: true } });
    expect(body.generationConfig).toEqual({ temperature: 0.2, topP: 0.9, maxOutputTokens: 100, stopSequences: ['END'], candidateCount: 2, seed: 7, presencePenalty: 0.5, frequencyPenalty: 0.25 });
    expect(Object.keys(body).sort()).toEqual(['contents', 'generationConfig']);
  });

  test('max_completion_tokens wins over max_tokens; stop arrays pass', async () => {
    const body = await build({ messages, max_tokens: 10, max_completion_tokens: 50, stop: ['a', 'b'] });
    expect(body.generationConfig).toEqual({ maxOutputTokens: 50, stopSequences: ['a', 'b'] });
  });

  test('response_format json_object and json_schema', async () => {
    expect((await build({ messages, response_format: { type: 'json_object' } })).generationConfig).toEqual({ responseMimeType: 'application/json' });
    const schema = { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'], additionalProperties: false };
    const body = await build({ messages, response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } } });
    expect(body.generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema });
    expect((await build({ messages, response_format: { type: 'text' } })).generationConfig).toBeUndefined();
  });

  test.each([
    ['gemini-2.5-flash', 'low', { thinkingBudget: 1024, includeThoughts: true }],
    ['gemini-2.5-flash', 'medium', { thinkingBudget: 8192, includeThoughts: true }],
    ['gemini-2.5-flash', 'high', { thinkingBudget: 24576, includeThoughts: true }],
    ['gemini-2.5-flash', 'none', { thinkingBudget: 0 }],
    ['gemini-2.5-pro', 'none', { thinkingBudget: 128, includeThoughts: false }],
    ['gemini-3-pro-preview', 'low', { thinkingLevel: 'low', includeThoughts: true }],
    ['gemini-3-pro-preview', 'minimal', { thinkingLevel: 'low', includeThoughts: true }],
    ['gemini-3-flash-preview', 'minimal', { thinkingLevel: 'minimal', includeThoughts: true }],
    ['gemini-3-flash-preview', 'medium', { thinkingLevel: 'medium', includeThoughts: true }],
    // Gemini 3 Pro (3.0) takes only low and high; 3.1 Pro takes medium.
    ['gemini-3-pro-preview', 'medium', { thinkingLevel: 'high', includeThoughts: true }],
    ['gemini-3.1-pro-preview', 'medium', { thinkingLevel: 'medium', includeThoughts: true }],
    ['gemini-3-flash-preview', 'xhigh', { thinkingLevel: 'high', includeThoughts: true }],
  ])('%s reasoning_effort=%s', async (model, effort, thinking) => {
    const body = await build({ messages, reasoning_effort: effort as never }, model);
    expect(body.generationConfig).toEqual({ thinkingConfig: thinking as never });
  });

  test('unknown reasoning_effort is a 400', async () => {
    expect((await rejection(build({ messages, reasoning_effort: 'turbo' as never }))).param).toBe('reasoning_effort');
  });
});
