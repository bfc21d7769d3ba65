/**
 * Anthropic's error as the FIRST event of a stream (HTTP 200, then `event: error` before
 * message_start: how Anthropic reports an overload that hits after it accepted a stream) is the
 * same failure as that error sent with the status its type stands for (529 overloaded_error, 429
 * rate_limit_error, 400 invalid_request_error). A fake Anthropic upstream replays both wire shapes
 * and each client sees the two alike:
 * - the Anthropic SDK on /v1/messages: same status, Anthropic's own error object (message,
 *   type, `details`, so its `errorCode`);
 * - the openai SDK on chat completions: same status and gateway code (`rate_limit_exceeded`, ...);
 * - a group goes on to its next target where it does for the HTTP error (an overload), and not
 *   where it does not (the client's invalid request);
 * - the row (found by the answer's x-request-id) has the same status and error type.
 */
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { ANTHROPIC_REQUEST_ID, KEY, REQ, useAnthropicRig } from './anthropic-rig';

let fake: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
useAnthropicRig((r) => ({ fake, gw, client } = r));


/** Anthropic's errors, each with the HTTP status its type means. */
const OVERLOADED = { status: 529, error: { type: 'overloaded_error', message: 'Overloaded' } };
const RAMP_LIMIT = {
  status: 429,
  error: { type: 'rate_limit_error', message: 'This request would exceed your ramp limit. Retry after the time in the retry-after header.', details: { error_code: 'ramp_limit_exceeded' } },
};
const INVALID = {
  status: 400,
  error: { type: 'invalid_request_error', message: `messages.0.content.1.image.source.base64.data: At least one of the image dimensions exceed max allowed size: 8000 pixels (key ${KEY})`, details: { error_code: 'image_dimensions_too_large' } },
};
type Failure = typeof OVERLOADED | typeof RAMP_LIMIT | typeof INVALID;

/** How the fake fails every Anthropic call: the error as an HTTP status, or as a 200 stream's first event. */
function anthropicFails(f: Failure, as: 'http' | 'first-event') {
  const body = { type: 'error', error: f.error, ...(as === 'http' ? { request_id: ANTHROPIC_REQUEST_ID } : {}) };
  fake.handler = () =>
    as === 'http'
      ? Response.json(body, { status: f.status, headers: { 'request-id': ANTHROPIC_REQUEST_ID } })
      : new Response(`event: error\ndata: ${JSON.stringify(body)}\n\n`, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': ANTHROPIC_REQUEST_ID } });
}

/** The Anthropic SDK's streamed call of `model`: what it throws, and the row of the answer's request id. */
async function anthropicSdk(model = REQ.model) {
  const err = await client.messages.create({ ...REQ, model, stream: true }, { maxRetries: 0 }).then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(Anthropic.APIError);
  const row = await gw.waitForRow(err.headers.get('x-request-id'));
  return { status: err.status, error: err.error, errorCode: err.errorCode, row: [row.status, row.errorType, row.provider] };
}

/** Anthropic's words in the gateway's message, without how it says it got them ("returned HTTP 529: …", "stream failed: … (type)"). */
const gatewayWords = (m: string) => m.replace(/Anthropic \(anthropic\) stream failed: (.*) \(\w+\)$|Upstream Anthropic \(anthropic\) returned HTTP \d+: /, '$1');

/** The openai SDK's streamed chat call: the same. */
async function openaiSdk() {
  const err = await apiError(gw.openai().chat.completions.create({ model: REQ.model, messages: REQ.messages, stream: true }));
  const row = await gw.waitForRow(err.headers!.get('x-request-id')!);
  return { status: err.status, code: err.code, type: (err.error as any)?.type, message: gatewayWords(err.message), row: [row.status, row.errorType] };
}

/** `see` once with the error sent as an HTTP status and once as a stream's first event. */
async function both<T>(f: Failure, see: () => Promise<T>): Promise<{ http: T; event: T }> {
  anthropicFails(f, 'http');
  const http = await see();
  (gw.ctx.breakers as unknown as { reset(): void }).reset();
  anthropicFails(f, 'first-event');
  const event = await see();
  return { http, event };
}

describe("an error as a stream's first event is answered as the same error sent as an HTTP status", () => {
  test("overloaded_error: Anthropic's 529 with its own words on /v1/messages; the OpenAI endpoint's 502 overloaded_error", async () => {
    const a = await both(OVERLOADED, () => anthropicSdk());
    expect(a.event).toEqual(a.http);
    expect(a.event.status).toBe(529);
    expect(a.event.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded', details: { error_code: 'overloaded_error' } } });
    expect(a.event.row).toEqual([529, 'overloaded_error', 'anthropic']);
    const o = await both(OVERLOADED, openaiSdk);
    expect(o.event).toEqual(o.http);
    expect([o.event.status, o.event.code, o.event.type]).toEqual([502, 'overloaded_error', 'api_error']);
  });

  test("rate_limit_error with details.error_code: Anthropic's errorCode (ramp_limit_exceeded) on /v1/messages; rate_limit_exceeded 429 on OpenAI's", async () => {
    const a = await both(RAMP_LIMIT, () => anthropicSdk());
    expect(a.event).toEqual(a.http);
    expect([a.event.status, a.event.errorCode]).toEqual([429, 'ramp_limit_exceeded']);
    expect(a.event.error).toEqual({ type: 'error', error: RAMP_LIMIT.error });
    expect(a.event.row).toEqual([429, 'rate_limit_exceeded', 'anthropic']);
    const o = await both(RAMP_LIMIT, openaiSdk);
    expect(o.event.status).toBe(429);
    expect(o.event).toEqual(o.http);
    expect([o.event.code, o.event.row]).toEqual(['rate_limit_exceeded', [429, 'rate_limit_exceeded']]);
  });

  test("invalid_request_error: a 400 in Anthropic's words (the gateway's key it quotes redacted), its error_code the OpenAI code", async () => {
    const a = await both(INVALID, () => anthropicSdk());
    expect(a.event).toEqual(a.http);
    expect(a.event.status).toBe(400);
    expect(a.event.errorCode).toBe('image_dimensions_too_large');
    expect((a.event.error as any).error.message).toContain('(key [redacted])');
    expect(JSON.stringify(a.event)).not.toContain(KEY);
    const o = await both(INVALID, openaiSdk);
    expect(o.event).toEqual(o.http);
    expect(o.event).toMatchObject({ status: 400, code: 'image_dimensions_too_large', row: [400, 'image_dimensions_too_large'] });
    expect(o.event.message).not.toContain(KEY);
  });
});

describe('a group walks on where it would for the HTTP error', () => {
  /** A streamed call of the group claude-then-gpt: its answer (or error), who served it and the attempts its row lists. */
  async function group() {
    let answer: unknown;
    let requestId: string | null;
    try {
      const { data, response } = await client.messages.create({ ...REQ, model: 'claude-then-gpt', stream: true }, { maxRetries: 0 }).withResponse();
      requestId = response.headers.get('x-request-id');
      let text = '';
      for await (const e of data) if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
      answer = text.length > 0 ? 'text' : 'empty';
    } catch (e: any) {
      expect(e).toBeInstanceOf(Anthropic.APIError);
      requestId = e.headers.get('x-request-id');
      answer = [e.status, e.errorCode];
    }
    const row = await gw.waitForRow(requestId!);
    return { answer, provider: row.provider, attempts: JSON.parse(row.attempts ?? '[]').map((a: any) => [a.provider, a.status]) };
  }

  test('an overload: the next target (OpenAI) answers the stream', async () => {
    const { http, event } = await both(OVERLOADED, group);
    expect(event).toEqual(http);
    expect(event).toEqual({ answer: 'text', provider: 'openai', attempts: [['anthropic', 502], ['openai', 200]] });
  });

  test("the client's invalid request: no walk, the 400 answered in Anthropic's words", async () => {
    const { http, event } = await both(INVALID, group);
    expect(event).toEqual(http);
    expect(event.answer).toEqual([400, 'image_dimensions_too_large']);
  });
});
