/**
 * Gemini's wire quirks through the real gateway, driven by the official openai and Anthropic
 * clients against the fake Gemini: chunks that carry only usage or only a finish reason, a stream
 * whose 429 is Google's array-wrapped RESOURCE_EXHAUSTED with a RetryInfo delay, the finish reasons
 * that mean the turn failed, a prompt blocked with HTTP 200 and no candidate, and structured
 * output schemas as SDKs write them. Each request leaves one row, found by its x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { FakeGemini } from './fake-gemini';

let fake: FakeGemini;
let gw: TestGateway;

beforeAll(async () => {
  fake = new FakeGemini();
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'AIzaSyFAKE-wire-quirks-0123456789' } });
});

afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const sse = (...events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('');
const hi = [{ role: 'user' as const, content: 'Say hello' }];
const usage = (prompt: number, out: number) => ({ promptTokenCount: prompt, candidatesTokenCount: out, totalTokenCount: prompt + out });

test('stream: text, then a chunk with only a finishReason, then one with only usageMetadata: the text, stop, and the last usage', async () => {
  fake.reply({
    sse: sse(
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Hello' }] }, index: 0 }], usageMetadata: usage(5, 1), responseId: 'r1' },
      { candidates: [{ content: { role: 'model', parts: [{ text: ' there' }] }, index: 0 }], usageMetadata: usage(5, 2), responseId: 'r1' },
      { candidates: [{ finishReason: 'STOP', index: 0 }], responseId: 'r1' },
      { usageMetadata: usage(5, 3), responseId: 'r1' },
    ),
  });
  const { data: stream, response } = await gw
    .openai()
    .chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let text = '';
  let finish: string | null = null;
  let last: OpenAI.CompletionUsage | undefined;
  for await (const c of stream) {
    text += c.choices[0]?.delta.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
    if (c.usage) last = c.usage;
  }
  expect(text).toBe('Hello there');
  expect(finish).toBe('stop');
  expect(last).toMatchObject({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ status: 200, promptTokens: 5, completionTokens: 3 });
});

test('stream 429: Google\'s array-wrapped RESOURCE_EXHAUSTED with a RetryInfo delay -> 429 rate_limit_exceeded with retry-after, one 429 row', async () => {
  const body = [
    {
      error: {
        code: 429,
        message: 'You exceeded your current quota, please check your plan and billing details.',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests' }] },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '36.5s' },
        ],
      },
    },
  ];
  fake.reply({ json: body, status: 429 });
  const err = await gw
    .openai()
    .chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi, stream: true })
    .catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  expect(err.headers.get('retry-after')).toBe('37');
  expect(err.error).toMatchObject({ code: 'rate_limit_exceeded' });
  expect(err.message).toContain('You exceeded your current quota');
  const row = await gw.waitForRow(err);
  expect(row).toMatchObject({ status: 429, errorType: 'rate_limit_exceeded' });
});

test('a prompt blocked with HTTP 200 and no candidate: content_filter and the prompt usage, non-stream and stream; the rows are 200s', async () => {
  const blocked = { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 }, responseId: 'b1' };
  fake.reply({ json: blocked });
  const { data, response } = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi }).withResponse();
  expect(data.choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { role: 'assistant', content: null } });
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, promptTokens: 12, completionTokens: 0 });

  fake.reply({ sse: sse(blocked) });
  const { data: stream, response: streamed } = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi, stream: true }).withResponse();
  const finishes: (string | null)[] = [];
  for await (const c of stream) finishes.push(c.choices[0]?.finish_reason ?? null);
  expect(finishes.at(-1)).toBe('content_filter');
  expect(await gw.waitForRow(streamed)).toMatchObject({ status: 200, promptTokens: 12 });
});

test('/v1/messages: a blocked prompt is a refusal (stop_reason refusal), not an error', async () => {
  fake.reply({ json: { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } } });
  const anthropic = new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
  const { data, response } = await anthropic.messages.create({ model: 'gemini/gemini-2.5-flash', max_tokens: 64, messages: hi }).withResponse();
  expect(data.stop_reason).toBe('refusal');
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, promptTokens: 9 });
});

const weather: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
];
/** A tool loop's second turn whose assistant tool call lost its thought signature (a client that made up its own ids). */
const lostSignature: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'Weather in Paris?' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_client_made_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
  { role: 'tool', tool_call_id: 'toolu_client_made_1', content: 'sunny' },
];

test.each(['gemini-flash-latest', 'gemini-pro-latest', 'gemini-3-flash-preview'])(
  '%s: a tool call whose signature was lost goes up with the skip sentinel (an alias names no version, and may be a Gemini 3)',
  async (model) => {
    fake.reply({ json: { candidates: [{ content: { role: 'model', parts: [{ text: 'Sunny.' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage(20, 2) } });
    const { data, response } = await gw.openai().chat.completions.create({ model: `gemini/${model}`, messages: lostSignature, tools: weather }).withResponse();
    expect(data.choices[0]!.message.content).toBe('Sunny.');
    expect(fake.last().body.contents[1].parts[0]).toEqual({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'skip_thought_signature_validator' });
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200 });
  },
);

test('gemini-2.5-flash (signatures not validated): no sentinel is made up', async () => {
  fake.reply({ json: { candidates: [{ content: { role: 'model', parts: [{ text: 'Sunny.' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage(20, 2) } });
  await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: lostSignature, tools: weather });
  expect(fake.last().body.contents[1].parts[0]).toEqual({ functionCall: { name: 'get_weather', args: { city: 'Paris' } } });
});

const missingSignature = {
  candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'MISSING_THOUGHT_SIGNATURE', index: 0 }],
  usageMetadata: usage(20, 0),
};

test('finishReason MISSING_THOUGHT_SIGNATURE (HTTP 200, no content) is a 400 naming it, as Gemini answers that fault, not an empty `stop`; the row says so', async () => {
  fake.reply({ json: missingSignature });
  const err = await gw.openai().chat.completions.create({ model: 'gemini/gemini-flash-latest', messages: lostSignature, tools: weather }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  expect(err.message).toContain('MISSING_THOUGHT_SIGNATURE');
  expect(await gw.waitForRow(err)).toMatchObject({ status: 400, errorType: 'upstream_error' });

  fake.reply({ sse: sse(missingSignature) });
  const streamErr = await gw
    .openai()
    .chat.completions.create({ model: 'gemini/gemini-flash-latest', messages: lostSignature, tools: weather, stream: true })
    .catch((e) => e);
  // Before any byte went out: a plain HTTP 400, not a 200 stream.
  expect(streamErr).toBeInstanceOf(OpenAI.BadRequestError);
  expect(streamErr.message).toContain('MISSING_THOUGHT_SIGNATURE');
  expect(await gw.waitForRow(streamErr)).toMatchObject({ status: 400 });
});

test('finishReason MALFORMED_RESPONSE is a retryable upstream error, not an empty answer', async () => {
  fake.reply({ json: { candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'MALFORMED_RESPONSE', index: 0 }], usageMetadata: usage(20, 0) } });
  const err = await gw.openai().chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect(err.status).toBe(502);
  expect(err.message).toContain('MALFORMED_RESPONSE');
  expect(await gw.waitForRow(err)).toMatchObject({ status: 502 });
});

test('response_format json_schema as the SDKs write it ($defs and $ref, a nullable anyOf): refs inlined, the rest as sent', async () => {
  const schema = {
    type: 'object',
    properties: {
      home: { $ref: '#/$defs/City' },
      trips: { type: 'array', items: { $ref: '#/$defs/City' } },
      note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    },
    required: ['home', 'trips', 'note'],
    additionalProperties: false,
    $defs: { City: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false } },
  };
  const json = '{"home":{"name":"Oslo"},"trips":[],"note":null}';
  fake.reply({ json: { candidates: [{ content: { role: 'model', parts: [{ text: json }] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage(30, 12) } });
  const { data, response } = await gw
    .openai()
    .chat.completions.create({ model: 'gemini/gemini-2.5-flash', messages: hi, response_format: { type: 'json_schema', json_schema: { name: 'trip', strict: true, schema } } })
    .withResponse();
  expect(JSON.parse(data.choices[0]!.message.content!)).toEqual({ home: { name: 'Oslo' }, trips: [], note: null });
  const city = schema.$defs.City;
  expect(fake.last().body.generationConfig).toEqual({
    responseMimeType: 'application/json',
    responseJsonSchema: {
      type: 'object',
      properties: { home: city, trips: { type: 'array', items: city }, note: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
      required: ['home', 'trips', 'note'],
      additionalProperties: false,
    },
  });
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, promptTokens: 30, completionTokens: 12 });
});
