/**
 * Anthropic's own error bodies, replayed by a fake Anthropic upstream (status, body and headers:
 * retry-after, request-id, x-should-retry), as both SDKs see them through the gateway:
 * - the Anthropic SDK on /v1/messages gets Anthropic's own error (type, message, `details`, so its
 *   `errorCode`) where the gateway's answer means the same; a refused provider key and an account out
 *   of credit stay in the gateway's words (the operator's matters, not the client's);
 * - the openai SDK gets the gateway's codes, Anthropic's `details.error_code` over its broad type;
 * - Anthropic's 400 "credit balance is too low" and its spend-limit 429s are an account out of
 *   credit (402 / 429 `insufficient_quota`, not retried), not the client's invalid request.
 * The gateway's own request id stays the answer's (`request-id`, `x-request-id`), naming its one row.
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


/** The fake answers every call with Anthropic's error: `status`, `{type:'error', error, request_id}` and Anthropic's headers. */
function anthropicFails(status: number, error: object, headers: Record<string, string> = {}) {
  fake.handler = () =>
    Response.json({ type: 'error', error, request_id: ANTHROPIC_REQUEST_ID }, { status, headers: { 'request-id': ANTHROPIC_REQUEST_ID, 'x-should-retry': 'false', ...headers } });
}

/** The Anthropic SDK's error for REQ (JSON or stream), its row found by the gateway's request id. */
async function anthropicSdkError(stream = false) {
  const err = await client.messages.create({ ...REQ, stream }, { maxRetries: 0 }).then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(Anthropic.APIError);
  // The answer names the gateway's row, not Anthropic's request.
  expect(err.requestID).toBe(err.headers!.get('x-request-id'));
  expect(err.requestID).not.toBe(ANTHROPIC_REQUEST_ID);
  const row = await gw.waitForRow(err.requestID);
  return { err: err as InstanceType<typeof Anthropic.APIError> & { errorCode: string | null }, row };
}

async function openaiSdkError() {
  const err = await apiError(gw.openai().chat.completions.create({ model: REQ.model, messages: REQ.messages }));
  const row = await gw.waitForRow(err.headers!.get('x-request-id')!);
  return { err, row };
}

describe("Anthropic's own error reaches an Anthropic client where it means the same", () => {
  test('400 with details.error_code: its message, type and errorCode as Anthropic sent them (JSON and stream); OpenAI code = the error_code', async () => {
    const error = {
      type: 'invalid_request_error',
      message: 'messages.0.content.1.image.source.base64.data: At least one of the image dimensions exceed max allowed size: 8000 pixels',
      details: { error_code: 'image_dimensions_too_large', max_side_length_pixels: 8000, paths: ['messages.0.content.1'] },
    };
    anthropicFails(400, error);
    for (const stream of [false, true]) {
      const { err, row } = await anthropicSdkError(stream);
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect(err.error).toEqual({ type: 'error', error });
      expect(err.errorCode).toBe('image_dimensions_too_large');
      expect([row.status, row.errorType]).toEqual([400, 'image_dimensions_too_large']);
    }
    const { err, row } = await openaiSdkError();
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect([err.status, err.code, (err.error as any).type]).toEqual([400, 'image_dimensions_too_large', 'invalid_request_error']);
    expect(err.message).toContain('image dimensions exceed');
    expect([row.status, row.errorType]).toEqual([400, 'image_dimensions_too_large']);
  });

  test("400 without details: Anthropic's message as it is, the gateway's code as errorCode; a key it quotes is redacted", async () => {
    anthropicFails(400, { type: 'invalid_request_error', message: `max_tokens: 500000 > 64000, which is the maximum allowed (key ${KEY})` });
    const { err } = await anthropicSdkError();
    expect(err.error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: 500000 > 64000, which is the maximum allowed (key [redacted])', details: { error_code: 'invalid_request_error' } },
    });
  });

  test("404 model: Anthropic's words, errorCode model_not_found (OpenAI: model_not_found)", async () => {
    anthropicFails(404, { type: 'not_found_error', message: 'model: claude-sonnet-4-5' });
    const { err, row } = await anthropicSdkError();
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect(err.error).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'model: claude-sonnet-4-5', details: { error_code: 'model_not_found' } } });
    expect([row.status, row.errorType]).toEqual([404, 'model_not_found']);
    expect((await openaiSdkError()).err.code).toBe('model_not_found');
  });

  test('429 ramp limit with retry-after: RateLimitError, errorCode ramp_limit_exceeded, the wait passed on (OpenAI: rate_limit_exceeded)', async () => {
    const error = { type: 'rate_limit_error', message: 'This request would exceed your ramp limit. Retry after the time in the retry-after header.', details: { error_code: 'ramp_limit_exceeded' } };
    anthropicFails(429, error, { 'retry-after': '12', 'x-should-retry': 'true' });
    const { err, row } = await anthropicSdkError();
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.error).toEqual({ type: 'error', error });
    expect(err.headers!.get('retry-after')).toBe('12');
    expect([row.status, row.errorType]).toEqual([429, 'rate_limit_exceeded']);
    const o = await openaiSdkError();
    expect(o.err).toBeInstanceOf(OpenAI.RateLimitError);
    expect([o.err.code, o.err.headers!.get('retry-after')]).toEqual(['rate_limit_exceeded', '12']);
  });

  test('529 overloaded and 500: Anthropic’s words and type; 529 with its retry-after', async () => {
    anthropicFails(529, { type: 'overloaded_error', message: 'Overloaded' }, { 'retry-after': '3', 'x-should-retry': 'true' });
    const over = await anthropicSdkError(true);
    expect([over.err.status, over.err.headers!.get('retry-after')]).toEqual([529, '3']);
    expect(over.err.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded', details: { error_code: 'overloaded_error' } } });
    anthropicFails(500, { type: 'api_error', message: 'Internal server error' });
    const internal = await anthropicSdkError();
    expect(internal.err.status).toBe(502);
    expect(internal.err.error).toEqual({ type: 'error', error: { type: 'api_error', message: 'Internal server error', details: { error_code: 'api_error' } } });
  });
});

describe("the operator's matters stay in the gateway's words", () => {
  test('401 authentication_error: 502 upstream_auth_failed, x-should-retry false, both SDKs', async () => {
    anthropicFails(401, { type: 'authentication_error', message: 'invalid x-api-key' });
    const { err, row } = await anthropicSdkError();
    expect([err.status, (err.error as any).error.type, err.errorCode, err.headers!.get('x-should-retry')]).toEqual([502, 'api_error', 'upstream_auth_failed', 'false']);
    expect((err.error as any).error.message).toContain("rejected the gateway's provider credentials");
    expect([row.status, row.errorType]).toEqual([502, 'upstream_auth_failed']);
    expect((await openaiSdkError()).err.code).toBe('upstream_auth_failed');
  });

  test('400 "credit balance is too low": 402 insufficient_quota (billing_error), not retried; a group goes on to its next target', async () => {
    anthropicFails(400, { type: 'invalid_request_error', message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.' });
    const { err, row } = await anthropicSdkError();
    expect([err.status, (err.error as any).error.type, err.errorCode, err.headers!.get('x-should-retry')]).toEqual([402, 'billing_error', 'insufficient_quota', 'false']);
    expect([row.status, row.errorType]).toEqual([402, 'insufficient_quota']);
    const o = await openaiSdkError();
    expect([o.err.status, o.err.code, (o.err.error as any).type, o.err.headers!.get('x-should-retry')]).toEqual([402, 'insufficient_quota', 'insufficient_quota', 'false']);
    expect([o.row.status, o.row.errorType]).toEqual([402, 'insufficient_quota']);
    // Not the client's fault: a group mixing Anthropic and OpenAI answers from OpenAI.
    const { data, response } = await client.messages.create({ ...REQ, model: 'claude-then-gpt' }).withResponse();
    expect(data.type).toBe('message');
    expect(response.headers.get('x-gophergate-provider')).toBe('openai');
    const grouped = await gw.waitForRow(response.headers.get('x-request-id')!);
    expect(JSON.parse(grouped.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['anthropic', 402], ['openai', 200]]);
  });

  test('429 enforced spend limit: 429 insufficient_quota, not retried (OpenAI and Anthropic SDKs)', async () => {
    anthropicFails(429, { type: 'rate_limit_error', message: 'Your organization has reached its monthly usage limit.', details: { error_code: 'enforced_spend_limit_reached' } }, { 'retry-after': '60' });
    const { err, row } = await anthropicSdkError();
    expect([err.status, (err.error as any).error.type, err.errorCode, err.headers!.get('x-should-retry')]).toEqual([429, 'rate_limit_error', 'insufficient_quota', 'false']);
    expect([row.status, row.errorType]).toEqual([429, 'insufficient_quota']);
    const o = await openaiSdkError();
    expect([o.err.status, o.err.code, o.err.headers!.get('x-should-retry')]).toEqual([429, 'insufficient_quota', 'false']);
  });
});
