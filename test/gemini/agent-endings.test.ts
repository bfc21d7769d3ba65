/**
 * How Gemini's endings reach an Anthropic SDK client (/v1/messages) and an openai Responses client
 * (/v1/responses): a blocked answer (finishReason SAFETY, RECITATION) or prompt (promptFeedback.
 * blockReason) is a refusal / an incomplete response for content_filter, the text Gemini gave kept;
 * a tool call Gemini could not read (MALFORMED_FUNCTION_CALL) a retryable 502; Google's 429
 * RESOURCE_EXHAUSTED a 429 rate limit with RetryInfo's wait as retry-after; its 503 "The model is
 * overloaded" Anthropic's 529 overloaded_error. Also a base64 image and a PDF document block on
 * /v1/messages going up as inlineData. Whole and streamed; one log row each, by x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { makePdf } from '../helpers/make-pdf';
import { FakeGemini, type Reply } from './fake-gemini';

let fake: FakeGemini;
let gw: TestGateway;
beforeAll(async () => {
  fake = new FakeGemini();
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: fake.url, GEMINI_API_KEY: 'AIzaSyFAKE-agent-endings-0123456789' } });
}, 30_000);
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const MODEL = 'gemini/gemini-2.5-flash';
const anthropic = () => new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
const USAGE = { promptTokenCount: 10, candidatesTokenCount: 3, totalTokenCount: 13 };
const PROMPT_ONLY = { promptTokenCount: 10, totalTokenCount: 10 };
const reply = (body: unknown, streamed: boolean): Reply => (streamed ? { sse: `data: ${JSON.stringify(body)}\r\n\r\n` } : { json: body });

const blocked: { name: string; body: unknown; text: string; output: number }[] = [
  { name: 'SAFETY', text: 'Here is', output: 3, body: { candidates: [{ content: { role: 'model', parts: [{ text: 'Here is' }] }, finishReason: 'SAFETY', index: 0, safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }] }], usageMetadata: USAGE } },
  { name: 'RECITATION', text: 'Here is', output: 3, body: { candidates: [{ content: { role: 'model', parts: [{ text: 'Here is' }] }, finishReason: 'RECITATION', index: 0 }], usageMetadata: USAGE } },
  { name: 'promptFeedback.blockReason', text: '', output: 0, body: { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: PROMPT_ONLY, modelVersion: 'gemini-2.5-flash', responseId: 'b1' } },
];

for (const streamed of [false, true]) {
  for (const b of blocked) {
    test(`${b.name}${streamed ? ', streamed' : ''}: /v1/messages stop_reason refusal, /v1/responses incomplete for content_filter`, async () => {
      fake.reply(reply(b.body, streamed));
      const params = { model: MODEL, max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };
      let msg: Anthropic.Message;
      let requestId: string | null;
      if (streamed) {
        const s = anthropic().messages.stream(params);
        msg = await s.finalMessage();
        requestId = (await s.withResponse()).response.headers.get('x-request-id');
      } else {
        const r = await anthropic().messages.create(params).withResponse();
        [msg, requestId] = [r.data, r.response.headers.get('x-request-id')];
      }
      expect(msg.stop_reason).toBe('refusal');
      expect(msg.content.map((c) => (c.type === 'text' ? c.text : c.type)).join('')).toBe(b.text);
      expect(msg.usage).toMatchObject({ input_tokens: 10, output_tokens: b.output });
      expect(await gw.waitForRow(requestId!)).toMatchObject({ endpoint: 'messages', status: 200, promptTokens: 10, completionTokens: b.output });

      fake.reply(reply(b.body, streamed));
      const res = await gw.fetch('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, input: 'hi', stream: streamed }) });
      const text = await res.text();
      const final = streamed ? JSON.parse(text.split('\n').find((l) => l.includes('"type":"response.incomplete"'))!.slice('data: '.length)).response : JSON.parse(text);
      expect(final).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' }, usage: { input_tokens: 10, output_tokens: b.output } });
      expect(final.output.flatMap((o: any) => o.content ?? []).map((c: any) => c.text).join('')).toBe(b.text);
      expect(await gw.waitForRow(res.headers.get('x-request-id')!)).toMatchObject({ endpoint: 'responses', status: 200, promptTokens: 10, completionTokens: b.output });
    });
  }

  test(`MALFORMED_FUNCTION_CALL${streamed ? ', streamed' : ''}: a retryable 502 naming it on both endpoints, the try billed`, async () => {
    const body = { candidates: [{ content: { role: 'model' }, finishReason: 'MALFORMED_FUNCTION_CALL', finishMessage: 'Malformed function call: print(default_api.get_weather(', index: 0 }], usageMetadata: PROMPT_ONLY };
    fake.reply(reply(body, streamed));
    const err = await anthropic().messages.create({ model: MODEL, max_tokens: 100, stream: streamed, messages: [{ role: 'user', content: 'hi' }] }).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.error.error).toMatchObject({ type: 'api_error', message: expect.stringContaining('MALFORMED_FUNCTION_CALL') });
    const row = await gw.waitForRow(err.requestID);
    expect(row).toMatchObject({ status: 502, errorType: 'upstream_error' });
    expect(JSON.parse(row.attempts!)[0].billed).toMatchObject({ prompt_tokens: 10, completion_tokens: 0 });

    fake.reply(reply(body, streamed));
    const oerr = await gw.openai().responses.create({ model: MODEL, input: 'hi', stream: streamed }).then(() => null, (e) => e);
    expect(oerr).toMatchObject({ status: 502, code: 'upstream_error' });
    expect((await gw.waitForRow(oerr.requestID)).status).toBe(502);
  });
}

const QUOTA = {
  error: {
    code: 429,
    message: 'You exceeded your current quota, please check your plan and billing details.',
    status: 'RESOURCE_EXHAUSTED',
    details: [
      { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '36.5s' },
    ],
  },
};
const OVERLOADED = { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } };

for (const streamed of [false, true]) {
  test(`429 RESOURCE_EXHAUSTED${streamed ? ', streamed' : ''}: /v1/messages 429 rate_limit_error, retry-after from RetryInfo`, async () => {
    fake.reply({ json: QUOTA, status: 429 });
    const err = await anthropic().messages.create({ model: MODEL, max_tokens: 100, stream: streamed, messages: [{ role: 'user', content: 'hi' }] }).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.error.error.type).toBe('rate_limit_error');
    expect(err.headers.get('retry-after')).toBe('37');
    expect(await gw.waitForRow(err.requestID)).toMatchObject({ status: 429, errorType: 'rate_limit_exceeded' });
  });

  test(`503 "The model is overloaded"${streamed ? ', streamed' : ''}: /v1/messages 529 overloaded_error`, async () => {
    fake.reply({ json: OVERLOADED, status: 503 });
    const err = await anthropic().messages.create({ model: MODEL, max_tokens: 100, stream: streamed, messages: [{ role: 'user', content: 'hi' }] }).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(529);
    expect(err.error.error).toMatchObject({ type: 'overloaded_error', message: expect.stringContaining('The model is overloaded') });
    // Google says no wait: none is made up, and the SDK's own backoff applies.
    expect(err.headers.get('retry-after')).toBeNull();
    expect(await gw.waitForRow(err.requestID)).toMatchObject({ status: 529 });
  });

  test(`a base64 image and a PDF document block${streamed ? ', streamed' : ''} go up as inlineData, in place`, async () => {
    const png = Buffer.from(FakeGemini.PNG).toString('base64');
    const pdf = makePdf(1).toString('base64');
    fake.reply(reply({ candidates: [{ content: { role: 'model', parts: [{ text: 'A chart and a one-page PDF.' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 600, candidatesTokenCount: 8, totalTokenCount: 608 } }, streamed));
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: [
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
        { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf } },
        { type: 'text', text: 'What are these?' },
      ] }],
    };
    const msg = streamed ? await anthropic().messages.stream(params).finalMessage() : await anthropic().messages.create(params);
    expect(msg).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'A chart and a one-page PDF.' }], usage: { input_tokens: 600, output_tokens: 8 } });
    expect(fake.last().body.contents).toEqual([{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: png } }, { inlineData: { mimeType: 'application/pdf', data: pdf } }, { text: 'What are these?' }] }]);
  });
}
