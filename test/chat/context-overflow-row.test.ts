/**
 * A prompt over the model's window, in each provider's own 400, is one failure: the client is told
 * OpenAI's `context_length_exceeded` (Anthropic's "prompt is too long" on /v1/messages) and the log
 * row's error type says the same. Moonshot names it in its message only (`type:
 * invalid_request_error`, no code), Gemini with a number as its code, DeepSeek with OpenAI's type as
 * its code: each row said something else (upstream_error, invalid_request_error). The official
 * clients over real HTTP against fake upstreams replaying those bodies; rows by x-request-id.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient } from '../messages/messages-helpers';

setDefaultTimeout(30_000);

/** Kimi's 400 for a prompt over the window (kimi-cli#2011; moonshot-v1 said "model max length exceeded, max length:8192"). */
const KIMI = 'Invalid request: Your request exceeded model token limit: 262144 (requested: 269030)';
const KIMI_V1 = 'model max length exceeded, max length:8192';
const bodies = {
  moonshot: (message = KIMI) => ({ error: { message, type: 'invalid_request_error' } }),
  gemini: () => ({ error: { code: 400, message: 'The input token count (1100000) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' } }),
  deepseek: () => ({
    error: {
      message: "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens (139000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.",
      type: 'invalid_request_error', param: null, code: 'invalid_request_error',
    },
  }),
  openai: () => ({ error: { message: 'Your input exceeds the context window of this model. Please adjust your input and try again.', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } }),
};
const MODELS = { moonshot: 'moonshot/kimi-k2.6', gemini: 'gemini/gemini-2.5-flash', deepseek: 'deepseek/deepseek-chat', openai: 'openai/gpt-4o-mini' } as const;
type P = keyof typeof MODELS;

const fakes = {} as Record<P, FakeUpstream>;
let gw: TestGateway;
beforeAll(async () => {
  for (const p of Object.keys(MODELS) as P[]) fakes[p] = startFakeUpstream(() => jsonResponse(bodies[p](), 400));
  gw = await startGateway({
    env: {
      ...providerEnv('moonshot', `${fakes.moonshot.url}/v1`), ...providerEnv('gemini', fakes.gemini.url),
      ...providerEnv('deepseek', `${fakes.deepseek.url}/v1`), ...providerEnv('openai', `${fakes.openai.url}/v1`),
    },
  });
});
afterAll(async () => {
  await gw?.close();
  for (const f of Object.values(fakes)) f?.close();
});

const ask = [{ role: 'user' as const, content: 'a very long session' }];

for (const p of Object.keys(MODELS) as P[]) {
  test(`${p}: chat, streamed and not: 400 context_length_exceeded, and the row's error type is it`, async () => {
    for (const stream of [false, true]) {
      const err = await apiError(gw.openai().chat.completions.create({ model: MODELS[p], messages: ask, stream }));
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded' });
      expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'chat', status: 400, errorType: 'context_length_exceeded' });
    }
  });
}

test("Kimi's words: OpenAI's, Kimi's in brackets; moonshot-v1's older wording is the overflow too", async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: MODELS.moonshot, messages: ask }));
  expect(err.message).toStartWith('400 Your input exceeds the context window of this model.');
  expect(err.message).toContain(KIMI);
  fakes.moonshot.handler = () => jsonResponse(bodies.moonshot(KIMI_V1), 400);
  try {
    const old = await apiError(gw.openai().chat.completions.create({ model: 'moonshot/moonshot-v1-8k', messages: ask }));
    expect(old.error).toMatchObject({ code: 'context_length_exceeded' });
    expect(old.message).toContain(KIMI_V1);
    expect(await gw.waitForRow(old)).toMatchObject({ status: 400, errorType: 'context_length_exceeded' });
  } finally {
    fakes.moonshot.handler = () => jsonResponse(bodies.moonshot(), 400);
  }
});

test("OpenAI's own overflow is relayed in its own words (not wrapped twice)", async () => {
  const err = await apiError(gw.openai().chat.completions.create({ model: MODELS.openai, messages: ask }));
  expect(err.error).toMatchObject({ code: 'context_length_exceeded', param: 'messages' });
  expect(err.message.match(/exceeds the context window/g)).toHaveLength(1);
});

test("Kimi on /v1/messages: Anthropic's 'prompt is too long', the row's error type context_length_exceeded", async () => {
  const err = await anthropicClient(gw)
    .messages.create({ model: MODELS.moonshot, max_tokens: 1000, messages: ask })
    .then(() => { throw new Error('expected a 400'); }, (e) => e);
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  expect(err.message).toContain('prompt is too long');
  expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'messages', status: 400, errorType: 'context_length_exceeded' });
});
