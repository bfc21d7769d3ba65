/**
 * What an Anthropic SDK user can tell from an error, through the official @anthropic-ai/sdk:
 * - its typed class (RateLimitError, PermissionDeniedError, NotFoundError, AuthenticationError),
 *   `type` (Anthropic's error.type) and `requestID` (the log row's id);
 * - `errorCode`, which the SDK reads from `error.details.error_code`: the gateway's own code, so a
 *   budget spent (`budget_exceeded`) is told from a rate limit (`rate_limit_exceeded`), both
 *   `rate_limit_error`, without reading the message; the same code the request's one log row keeps;
 * - an Anthropic client (it sends `anthropic-version`) calling a /v1 route the gateway does not serve
 *   (`client.beta.files.list()`) gets Anthropic's 404, not OpenAI's shape; the OpenAI SDK on the same
 *   paths gets OpenAI's shape as before.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { readChunks, sseResponse } from '../helpers/fake-upstream';
import { chatFixtures, limitedClient, useLimitsRig } from '../limits/limits-helpers';

setDefaultTimeout(30_000);

const rig = useLimitsRig((r) => (r.fake.handler = chatFixtures));

const anthropic = (key: string) => new Anthropic({ baseURL: rig().gw.url, apiKey: key, maxRetries: 0 });
const openai = (key: string) => new OpenAI({ baseURL: `${rig().gw.url}/v1`, apiKey: key, maxRetries: 0 });
const message = (model = 'lim-model') => ({ model, max_tokens: 10, messages: [{ role: 'user' as const, content: 'Hello' }] });

async function failure(call: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const err = await call.then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(Anthropic.APIError);
  return err;
}

/** The refusal, its class, type and code as the SDK reads them, and the request's one row (by its id) with the same code. */
async function refusedWith(call: Promise<unknown>, kind: abstract new (...args: any[]) => unknown, status: number, type: string, code: string) {
  const err = await failure(call);
  expect(err).toBeInstanceOf(kind);
  expect({ status: err.status, type: err.type, errorCode: err.errorCode }).toEqual({ status, type: type as any, errorCode: code });
  // The body as Anthropic's: type, error.type, error.message, the code beside them.
  expect(err.error).toEqual({ type: 'error', error: { type, message: expect.any(String), details: { error_code: code } } });
  expect(err.requestID).toBe(err.headers!.get('x-request-id'));
  const row = await rig().gw.waitForRow(err.requestID!);
  expect({ status: row.status, errorType: row.errorType, endpoint: row.endpoint }).toEqual({ status, errorType: code, endpoint: 'messages' });
  return err;
}

describe("the gateway's code as the SDK's errorCode on /v1/messages", () => {
  test('a budget spent: RateLimitError, rate_limit_error, errorCode budget_exceeded (not retried: x-should-retry false)', async () => {
    const c = await limitedClient(rig().gw, 'codes-budget', { budgetUsd: 0.000001, budgetPeriod: 'total' });
    const err = await refusedWith(anthropic(c.key).messages.create(message()), Anthropic.RateLimitError, 429, 'rate_limit_error', 'budget_exceeded');
    expect(err.headers!.get('x-should-retry')).toBe('false');
  });

  test('an RPM limit: RateLimitError with retry-after, errorCode rate_limit_exceeded', async () => {
    const c = await limitedClient(rig().gw, 'codes-rpm', { rpm: 1 });
    const client = anthropic(c.key);
    expect((await client.messages.create(message())).type).toBe('message');
    const err = await refusedWith(client.messages.create(message()), Anthropic.RateLimitError, 429, 'rate_limit_error', 'rate_limit_exceeded');
    expect(Number(err.headers!.get('retry-after'))).toBeGreaterThan(0);
  });

  test("a model the key's list does not allow: PermissionDeniedError, errorCode model_not_allowed", async () => {
    const c = await limitedClient(rig().gw, 'codes-allow', { models: ['lim-other'] });
    await refusedWith(anthropic(c.key).messages.create(message()), Anthropic.PermissionDeniedError, 403, 'permission_error', 'model_not_allowed');
  });

  test('an unknown model: NotFoundError, errorCode model_not_found; streamed too', async () => {
    await refusedWith(anthropic(rig().gw.clientKey).messages.create(message('no-such-model')), Anthropic.NotFoundError, 404, 'not_found_error', 'model_not_found');
    await refusedWith(anthropic(rig().gw.clientKey).messages.create({ ...message('no-such-model'), stream: true }), Anthropic.NotFoundError, 404, 'not_found_error', 'model_not_found');
  });

  test('a bad key: AuthenticationError, errorCode invalid_api_key (no key, no row)', async () => {
    const err = await failure(anthropic('gg-not-a-key').messages.create(message()));
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect({ type: err.type, errorCode: err.errorCode }).toEqual({ type: 'authentication_error', errorCode: 'invalid_api_key' });
  });

  test('an upstream failing mid-stream: the SDK raises the event: error with its errorCode, the one of the row', async () => {
    const payloads = [...readChunks('openai', 'text.chunks.txt').slice(0, 2), JSON.stringify({ error: { message: 'Rate limit reached for gpt-4o-mini.', type: 'tokens', param: null, code: 'rate_limit_exceeded' } })];
    rig().fake.handler = () => sseResponse(payloads);
    try {
      const stream = await anthropic(rig().gw.clientKey).messages.create({ ...message(), stream: true }).withResponse();
      const id = stream.response.headers.get('x-request-id')!;
      const err = await failure((async () => {
        for await (const _ of stream.data);
      })());
      expect({ type: err.type, errorCode: err.errorCode }).toEqual({ type: 'rate_limit_error', errorCode: 'rate_limit_exceeded' });
      expect(await rig().gw.waitForRow(id)).toMatchObject({ status: 429, errorType: 'rate_limit_exceeded', stream: true });
    } finally {
      rig().fake.handler = chatFixtures;
    }
  });
});

describe("a /v1 route the gateway does not serve: Anthropic's shape to Anthropic's clients, OpenAI's to the others", () => {
  test('client.beta.files.list(): NotFoundError, not_found_error, errorCode not_found, the id as requestID', async () => {
    const err = await failure(anthropic(rig().gw.clientKey).beta.files.list());
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect(err.error).toEqual({ type: 'error', error: { type: 'not_found_error', message: 'Invalid URL (GET /v1/files).', details: { error_code: 'not_found' } } });
    expect(err.errorCode).toBe('not_found');
    expect(err.requestID).toBeString();
    expect(err.requestID).toBe(err.headers!.get('x-request-id'));
  });

  test("a route is unknown whatever the key: a wrong key is the same 404, not a 401 (as on OpenAI's side)", async () => {
    const err = await failure(anthropic('gg-not-a-key').beta.files.list());
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect(err.errorCode).toBe('not_found');
  });

  test('another method on a served path, with anthropic-version: Anthropic 404; without it: OpenAI 404', async () => {
    const call = (headers: Record<string, string>) => fetch(`${rig().gw.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${rig().gw.clientKey}`, ...headers } });
    const a = await call({ 'anthropic-version': '2023-06-01' });
    expect([a.status, await a.json()]).toEqual([404, { type: 'error', error: { type: 'not_found_error', message: 'Invalid URL (GET /v1/chat/completions).', details: { error_code: 'not_found' } } }]);
    expect(a.headers.get('request-id')).toBe(a.headers.get('x-request-id'));
    const o = await call({});
    expect([o.status, await o.json()]).toEqual([404, { error: { message: 'Invalid URL (GET /v1/chat/completions).', type: 'invalid_request_error', param: null, code: 'not_found' } }]);
    expect(o.headers.get('request-id')).toBeNull();
  });

  test('the OpenAI SDK on the same paths: OpenAI NotFoundError and body, unchanged', async () => {
    const err = await openai(rig().gw.clientKey).files.list().then(() => null, (e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.error).toEqual({ message: 'Invalid URL (GET /v1/files).', type: 'invalid_request_error', param: null, code: 'not_found' });
    expect(err.code).toBe('not_found');
    const bad = await openai('gg-not-a-key').chat.completions.create({ model: 'lim-model', messages: [{ role: 'user', content: 'Hello' }] }).then(() => null, (e) => e);
    expect(bad).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(bad.error).toEqual({ message: expect.any(String), type: 'authentication_error', param: null, code: 'invalid_api_key' });
  });
});
