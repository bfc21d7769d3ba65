/**
 * The bad-input matrix for POST /v1/chat/completions, over real HTTP: every case is a 4xx in
 * OpenAI's error shape naming the offending field, never a 500 or a stack trace, and a good
 * request right after it still works.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { APIError } from 'openai';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { chat, expectApiError, expectStillServing, postJson, postRaw, user } from './reliability-helpers';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({
    env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__SERVER__MAX_BODY_MB: '1' },
  });
});
afterAll(() => gw.close());

const PATH = '/v1/chat/completions';

interface Case {
  name: string;
  /** A JSON value to send, or raw text/bytes in `raw`. */
  body?: unknown;
  raw?: BodyInit;
  headers?: Record<string, string>;
  status?: number;
  /** Expected `param` (null when the problem is the body as a whole). */
  param: string | null;
}

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
// 0xC3 0x28 is an invalid two-byte sequence; 0xFF never appears in UTF-8.
const badUtf8 = new Uint8Array([
  ...new TextEncoder().encode('{"model":"mock/echo","messages":[{"role":"user","content":"'),
  0xc3, 0x28, 0xff,
  ...new TextEncoder().encode('"}]}'),
]);

const CASES: Case[] = [
  { name: 'malformed JSON', raw: '{"model": "mock/echo", "messages": [', param: null },
  { name: 'trailing garbage after JSON', raw: '{"model":"mock/echo","messages":[]} xyz', param: null },
  { name: 'empty body', raw: '', param: null },
  { name: 'wrong content type (text/plain)', raw: JSON.stringify(chat()), headers: { 'content-type': 'text/plain' }, param: null },
  { name: 'form-encoded body', raw: 'model=mock%2Fecho&messages=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' }, param: null },
  { name: 'body is an array', body: [chat()], param: null },
  { name: 'body is a string', body: 'hello', param: null },
  { name: 'body is null', body: null, param: null },
  { name: 'missing model', body: { messages: [user('hi')] }, param: 'model' },
  { name: 'model is a number', body: chat({ model: 42 }), param: 'model' },
  { name: 'model is an empty string', body: chat({ model: '' }), param: 'model' },
  { name: 'missing messages', body: { model: 'mock/echo' }, param: 'messages' },
  { name: 'messages is a string', body: chat({ messages: 'hi' }), param: 'messages' },
  { name: 'empty messages', body: chat({ messages: [] }), param: 'messages' },
  { name: 'a message is not an object', body: chat({ messages: ['hi'] }), param: 'messages[0]' },
  { name: 'unknown role', body: chat({ messages: [{ role: 'wizard', content: 'hi' }] }), param: 'messages[0].role' },
  { name: 'content is a number', body: chat({ messages: [user(7)] }), param: 'messages[0].content' },
  { name: 'unknown content part type', body: chat({ messages: [user([{ type: 'video', video: 'x' }])] }), param: 'messages[0].content[0].type' },
  { name: 'tool message without tool_call_id', body: chat({ messages: [{ role: 'tool', content: 'x' }] }), param: 'messages[0].tool_call_id' },
  { name: 'stream is a string', body: chat({ stream: 'yes' }), param: 'stream' },
  { name: 'temperature is a string', body: chat({ temperature: 'hot' }), param: 'temperature' },
  { name: 'temperature out of range', body: chat({ temperature: 5 }), param: 'temperature' },
  { name: 'top_p out of range', body: chat({ top_p: 1.5 }), param: 'top_p' },
  { name: 'max_tokens is a string', body: chat({ max_tokens: '100' }), param: 'max_tokens' },
  { name: 'max_tokens is zero', body: chat({ max_tokens: 0 }), param: 'max_tokens' },
  { name: 'max_tokens is fractional', body: chat({ max_tokens: 1.5 }), param: 'max_tokens' },
  { name: 'n is zero', body: chat({ n: 0 }), param: 'n' },
  { name: 'n is too large', body: chat({ n: 100000 }), param: 'n' },
  { name: 'tools is an object', body: chat({ tools: { type: 'function' } }), param: 'tools' },
  { name: 'tool with an invalid function name', body: chat({ tools: [{ type: 'function', function: { name: 'bad name!' } }] }), param: 'tools[0].function.name' },
  { name: 'tool_choice is a number', body: chat({ tool_choice: 42 }), param: 'tool_choice' },
  { name: 'tool_choice is an unknown word', body: chat({ tool_choice: 'sometimes' }), param: 'tool_choice' },
  { name: 'response_format is a string', body: chat({ response_format: 'json' }), param: 'response_format' },
  { name: 'response_format has an unknown type', body: chat({ response_format: { type: 'yaml' } }), param: 'response_format.type' },
  { name: 'stop is a number', body: chat({ stop: 5 }), param: 'stop' },
  { name: 'stop has too many entries', body: chat({ stop: ['a', 'b', 'c', 'd', 'e'] }), param: 'stop' },
  { name: 'stream_options is a string', body: chat({ stream: true, stream_options: 'usage' }), param: 'stream_options' },
  { name: 'stream_options.include_usage is a string', body: chat({ stream: true, stream_options: { include_usage: 'yes' } }), param: 'stream_options.include_usage' },
  { name: 'deeply nested JSON body (100k levels)', raw: nested(100_000), param: null },
  // Refused as a body nested more than 256 levels (invalid_json), before the message is validated.
  { name: 'deeply nested JSON inside a message', raw: `{"model":"mock/echo","messages":[{"role":"user","content":${nested(5000)}}]}`, param: null },
  { name: 'invalid UTF-8 bytes', raw: badUtf8, param: null },
  { name: 'image data URI with invalid base64', body: chat({ messages: [user([{ type: 'image_url', image_url: { url: 'data:image/png;base64,@@not base64!!' } }])] }), param: 'messages[0].content[0].image_url.url' },
  { name: 'image data URI that is not an image', body: chat({ messages: [user([{ type: 'image_url', image_url: { url: 'data:text/html;base64,PGI+aGk8L2I+' } }])] }), param: 'messages[0].content[0].image_url.url' },
  { name: 'file: image URL', body: chat({ messages: [user([{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }])] }), param: 'messages[0].content[0].image_url.url' },
  { name: 'ftp: image URL', body: chat({ messages: [user([{ type: 'image_url', image_url: { url: 'ftp://127.0.0.1/x.png' } }])] }), param: 'messages[0].content[0].image_url.url' },
  { name: 'javascript: image URL', body: chat({ messages: [user([{ type: 'image_url', image_url: { url: 'javascript:alert(1)' } }])] }), param: 'messages[0].content[0].image_url.url' },
  { name: 'image URL is not a string', body: chat({ messages: [user([{ type: 'image_url', image_url: { url: { href: 'x' } } }])] }), param: 'messages[0].content[0].image_url.url' },
  { name: 'unknown model', body: chat({ model: 'no-such-model-anywhere' }), status: 404, param: 'model' },
  { name: 'unknown provider prefix', body: chat({ model: 'nosuchprovider/some-model' }), status: 404, param: 'model' },
  { name: 'unknown group-like name', body: chat({ model: 'dispatcher-that-does-not-exist' }), status: 404, param: 'model' },
];

describe('chat bad-input matrix', () => {
  test('the matrix has at least 30 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(30));

  for (const c of CASES) {
    test(c.name, async () => {
      const res = c.raw !== undefined ? await postRaw(gw, PATH, c.raw, c.headers) : await postJson(gw, PATH, c.body, c.headers);
      const err = await expectApiError(res, c.status ?? 400, c.param);
      expect(err.type).toBe('invalid_request_error');
      await expectStillServing(gw);
    });
  }

  test('body over LLM_PROXY__SERVER__MAX_BODY_MB (Content-Length) -> 413', async () => {
    const big = JSON.stringify(chat({ messages: [user('x'.repeat(1_200_000))] }));
    const err = await expectApiError(await postRaw(gw, PATH, big), 413, null);
    expect(err.code).toBe('request_too_large');
    await expectStillServing(gw);
  });

  test('body over the limit sent chunked (no Content-Length) -> 413', async () => {
    const piece = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ === 0) c.enqueue(new TextEncoder().encode('{"model":"mock/echo","messages":[{"role":"user","content":"'));
        else if (sent < 40) c.enqueue(piece);
        else c.close();
      },
    });
    const res = await fetch(`${gw.url}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' },
      body,
      // @ts-expect-error Bun/undici option for streaming request bodies
      duplex: 'half',
    });
    await expectApiError(res, 413, null);
    await expectStillServing(gw);
  });

  test('the openai client sees a BadRequestError naming the param', async () => {
    const err = await gw
      .openai()
      .chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'x' }], temperature: 9 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(err.status).toBe(400);
    expect(err.param).toBe('temperature');
    await expectStillServing(gw);
  });

  test('a storm of bad requests in parallel leaves the gateway serving', async () => {
    const all = await Promise.all(
      CASES.slice(0, 20).map((c) => (c.raw !== undefined ? postRaw(gw, PATH, c.raw, c.headers) : postJson(gw, PATH, c.body, c.headers))),
    );
    for (const r of all) expect(r.status).toBeLessThan(500);
    await expectStillServing(gw);
  });
});
